# Remote configuration on $devices/<id>/config: {"id": …, "interval": s, "led": "on"|"off"}, and the
# state document that reports it. apply() checks the whole document before changing anything, so a
# bad one changes nothing, and records the outcome, which the next state carries as "config".
# Loaded for one use (a config message, a state to publish, the birth).
import json
from mpyiot.jsontext import obj

KEYS = ("id", "interval", "led")


def check(c, has_led):
    if type(c) is not dict:
        raise ValueError("config must be a JSON object")
    for k in c:
        if k not in KEYS:
            raise ValueError("unknown key %s (known: interval, led)" % k)
    s = c.get("interval")
    if s is not None and (type(s) not in (int, float) or not 1 <= s <= 86400):
        raise ValueError("interval must be a number of seconds from 1 to 86400")
    led = c.get("led")
    if led is not None and led not in ("on", "off"):
        raise ValueError('led must be "on" or "off"')
    if led is not None and not has_led:
        raise ValueError("no LED on this board")


def apply(app, msg, max_bytes):
    rid = None
    try:
        if len(msg) > max_bytes:
            raise ValueError("config too large: %d > %d bytes" % (len(msg), max_bytes))
        try:
            c = json.loads(msg.decode())
        except Exception:
            raise ValueError("invalid JSON")
        if type(c) is dict:
            rid = c.get("id")
        check(c, app.pin is not None)
        if c.get("interval") is not None:
            app.set_interval(c["interval"])
        if c.get("led") is not None:
            app.led(c["led"], 1)
        app.cfg_ack = {"id": rid, "ok": True}
    except Exception as e:
        app.cfg_ack = {"id": rid, "ok": False, "error": str(e)}
    app.dirty = True


def state(app):
    # The state document on $devices/<id>/state: the birth, and again whenever config or a command
    # changed interval or LED ("led": null while the LED just shows the connection). "config" is
    # the outcome of the last $devices/<id>/config message: {"id", "ok"[, "error"]}.
    s = app.sess
    ms = app.interval
    return obj([("status", "online"), ("name", app.cfg.NAME), ("mac", s.mac), ("cid", s.cid.decode()),
                ("boot", s.boot), ("connects", s.connects),
                ("interval", ms // 1000 if ms % 1000 == 0 else ms / 1000), ("led", app.led_set),
                ("config", app.cfg_ack)])
