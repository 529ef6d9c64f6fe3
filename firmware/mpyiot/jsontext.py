# JSON text in a fixed key order (MicroPython dicts do not keep insertion order), with
# CPython json.dumps separators (", ", ": "). Non-ASCII stays raw UTF-8.
import json
from struct import pack, unpack


def _f32(x):
    return unpack("f", pack("f", x))[0]


def num(v):
    # One decimal, half away from zero, computed in 32-bit floats as the ESP32/ESP8266 ports do, so
    # a simulator (double precision) prints the same text: a reading of 22.2499999 is 22.25 there.
    if v != v or v > 1e15 or v < -1e15:
        return "null"
    v = _f32(_f32(v) * 10)
    n = int(v + (0.5 if v >= 0 else -0.5))
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
