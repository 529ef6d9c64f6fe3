# RESULT: JSON {"group": "<group>", "message": "<text>", "grade": …, "passed": …}. Without a
# group it is for everyone; anything that is not a JSON object is printed as text.
import json
from mpyiot.log import info


def describe(msg, group):
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
    m = r.get("message")
    s = "(no message)" if m is None else str(m)
    tail = ["%s=%s" % (k, json.dumps(r[k])) for k in ("grade", "passed") if k in r]
    if tail:
        s += " [" + " ".join(tail) + "]"
    g = r.get("group")
    if g is None or g == "":
        return "for everyone: " + s
    if str(g).strip() == group.strip():
        return "for my group " + group + ": " + s
    return "for group %s (not mine, mine is %s): %s" % (g, group, s)


def show(msg, group):
    info("result", describe(msg, group))
