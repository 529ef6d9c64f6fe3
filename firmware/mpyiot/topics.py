# MAC formatting, {mac} expansion, MQTT topic filter matching (+ and #).


def fmt_mac(mac, fmt):
    # fmt: hex, HEX, colon, COLON, dash, DASH.
    f = fmt.lower()
    s = {"colon": ":", "dash": "-"}.get(f, "").join(["%02x" % b for b in mac])
    return s if fmt == f else s.upper()


def expand(topic, mac):
    return topic.replace("{mac}", mac)


def match(flt, topic):
    f = flt.split("/")
    t = topic.split("/")
    if t[0][:1] == "$" and f[0] in ("+", "#"):
        return False
    for i in range(len(f)):
        if f[i] == "#":
            return True
        if i >= len(t) or f[i] not in ("+", t[i]):
            return False
    return len(f) == len(t)
