# JSON text in a fixed key order (MicroPython dicts do not keep insertion order), with
# CPython json.dumps separators (", ", ": "). Non-ASCII stays raw UTF-8.
import json


def num(v):
    # One decimal, half away from zero, same text on single/double precision ports.
    if v != v or v > 1e15 or v < -1e15:
        return "null"
    n = int(v * 10 + (0.5 if v >= 0 else -0.5))
    return "%s%d.%d" % ("-" if n < 0 else "", abs(n) // 10, abs(n) % 10)


def dump(v):
    t = type(v)
    if v is None or t is bool:
        return "null" if v is None else "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return num(v)
    if t is list or t is tuple:
        return "[" + ", ".join([dump(x) for x in v]) + "]"
    if t is dict:
        return obj([(k, v[k]) for k in sorted(v)])
    return json.dumps(v if t is str else str(v))


def obj(pairs):
    return "{" + ", ".join([json.dumps(k) + ": " + dump(v) for k, v in pairs]) + "}"


def telemetry(temp, students, group, extras):
    # extras: [(name, value), …] in EXTRAS order. Returns UTF-8 bytes.
    return obj([("temperature", temp), ("students", students), ("group", group)] + extras).encode()
