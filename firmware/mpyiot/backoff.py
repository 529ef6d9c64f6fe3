# Reconnect delay for attempt 0, 1, 2…: cap = min(max_ms, base_ms * 2**attempt), then
# "equal jitter": a value in [cap/2, cap]. rand() returns a float in [0, 1).


def backoff_ms(attempt, base_ms, max_ms, rand):
    cap = base_ms
    while attempt > 0 and cap < max_ms:
        cap *= 2
        attempt -= 1
    cap = min(cap, max_ms)
    half = cap // 2
    return half + int((cap - half) * rand())


def rand():
    import random
    return random.getrandbits(16) / 65536
