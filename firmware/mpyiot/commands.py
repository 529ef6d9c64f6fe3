# Commands: {"id": "<request id>", "cmd": "<name>", "args": {…}}. handle() never raises: it
# returns a reply or error as UTF-8 JSON bytes. The app object provides the hooks
# set_interval(seconds), publish_now(), led(state, times), reboot(), status() -> dict, republish(),
# and .cfg, .mac (a "result" command prints as a RESULT message would).
import json
from mpyiot.jsontext import obj
from mpyiot.log import exc


def reply(rid, cmd, result):
    return obj([("id", rid), ("cmd", cmd), ("ok", True), ("result", result)]).encode()


def error(rid, cmd, msg):
    return obj([("id", rid), ("cmd", cmd), ("ok", False), ("error", msg)]).encode()


def _set_interval(app, a):
    s = a.get("seconds")
    if type(s) is not int and type(s) is not float:
        raise ValueError("args.seconds must be a number")
    if not 1 <= s <= 86400:
        raise ValueError("args.seconds must be between 1 and 86400")
    app.set_interval(s)
    return {"interval": s}


def _led(app, a):
    st = a.get("state")
    n = a.get("times", 3)
    if st not in ("on", "off", "blink"):
        raise ValueError('args.state must be "on", "off" or "blink"')
    if type(n) is not int or not 1 <= n <= 20:
        raise ValueError("args.times must be an integer between 1 and 20")
    app.led(st, n)
    return {"state": st, "times": n} if st == "blink" else {"state": st}


def _result(app, a):
    # A verdict where IoT Core has no RESULT topic: the same fields, the same printed line.
    m = a.get("message")
    if m is not None and type(m) is not str:
        raise ValueError("args.message must be a string")
    if type(a.get("passed", False)) is not bool:
        raise ValueError("args.passed must be true or false")
    from mpyiot.app import load

    return {"shown": load("result").show(a, app.cfg, app.mac)}


def _run(app, cmd, a):
    if cmd == "ping":
        return {"pong": True}
    if cmd == "set_interval":
        return _set_interval(app, a)
    if cmd == "publish_now":
        app.publish_now()
        return {"scheduled": True}
    if cmd == "led":
        return _led(app, a)
    if cmd == "reboot":
        app.reboot()
        return {"rebooting": True}
    if cmd == "state":
        app.republish()
        return {"published": True}
    if cmd == "result":
        return _result(app, a)
    return app.status()


def handle(app, msg, max_bytes):
    rid = cmd = None
    try:
        if len(msg) > max_bytes:
            return error(None, None, "command too large: %d > %d bytes" % (len(msg), max_bytes))
        try:
            req = json.loads(msg.decode())
        except Exception:
            return error(None, None, "invalid JSON")
        if type(req) is not dict:
            return error(None, None, "command must be a JSON object")
        rid = req.get("id")
        if type(rid) not in (str, int, type(None)):
            return error(None, None, "id must be a string or an integer")
        cmd = req.get("cmd")
        if type(cmd) is not str:
            return error(rid, None, "missing cmd")
        if cmd not in ("ping", "set_interval", "publish_now", "led", "reboot", "status", "state", "result"):
            return error(rid, cmd, "unknown command: " + cmd)
        a = req.get("args")
        a = {} if a is None else a
        if type(a) is not dict:
            return error(rid, cmd, "args must be an object")
        try:
            return reply(rid, cmd, _run(app, cmd, a))
        except ValueError as e:
            return error(rid, cmd, str(e))
    except Exception as e:
        return error(rid, cmd, "internal error: " + exc(e))
