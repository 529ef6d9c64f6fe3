# Drift-free periodic deadlines on time.ticks_ms (wrap-safe).
import time


def due(deadline, now):
    return time.ticks_diff(now, deadline) >= 0


def advance(deadline, now, interval):
    # Next = previous deadline + interval (not now + interval): no drift. Whole periods
    # already missed are skipped, keeping the phase. Returns (next, periods skipped).
    late = time.ticks_diff(now, deadline) - interval
    k = late // interval + 1 if late >= 0 else 0
    return time.ticks_add(deadline, (k + 1) * interval), k
