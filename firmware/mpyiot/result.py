# RESULT (or the args of the "result" command, where the cloud has no RESULT topic): JSON
# {"group", "message", "passed", "grade", "device", "students", "mac"}. A verdict
# addressed to one board (by "mac", else by "device" + "students" + "group") is printed only by that
# board, one for a group only by the boards of that group, one without a group by everyone; others
# are not printed. Anything that is not a JSON object is printed as text.
import json
from mpyiot.log import info


def norm(mac):
    return str(mac).replace(":", "").replace("-", "").lower()


def mine(r, cfg, mac):
    # True/False when the message is addressed to a board, None when it is not.
    if r.get("mac"):
        return norm(r["mac"]) == norm(mac)
    if r.get("device"):
        st = r.get("students")
        g = str(r.get("group") or cfg.GROUP).strip()
        same = st is None or list(st) == list(cfg.STUDENTS)
        return r["device"] == cfg.NAME and g == cfg.GROUP.strip() and same
    return None


def describe(msg, cfg, mac):
    # The line to print, or None when the message is for another board or group.
    try:
        text = msg.decode()
    except Exception:
        return "text (not UTF-8): %r" % (msg,)
    try:
        r = json.loads(text)
    except Exception:
        r = None
    if type(r) is not dict:
        return "text: " + text
    return line(r, cfg, mac)


def line(r, cfg, mac):
    # The line for a verdict object (a RESULT message, or the args of a "result" command in an
    # IoT Core project), or None when it is for another board or group.
    m = r.get("message")
    s = "(no message)" if m is None else str(m)
    tail = ["%s=%s" % (k, json.dumps(r[k])) for k in ("grade", "passed") if k in r]
    if tail:
        s += " [" + " ".join(tail) + "]"
    to = mine(r, cfg, mac)
    if to is not None:
        return "for my board: " + s if to else None
    g = r.get("group")
    if g is None or g == "":
        return "for everyone: " + s
    if str(g).strip() == cfg.GROUP.strip():
        return "for my group " + cfg.GROUP + ": " + s
    return None


def show(msg, cfg, mac):
    # msg: a RESULT message (bytes) or a verdict object (a "result" command's args). True if printed.
    d = line(msg, cfg, mac) if type(msg) is dict else describe(msg, cfg, mac)
    if d is not None:
        info("result", d)
    return d is not None
