# Station Wi-Fi connect. Reasons come from network.STAT_* looked up with getattr: ESP32 and ESP8266
# define different sets and numbers. Fatal ones (1) end an attempt before its timeout.
# Loaded through app.load() only while connecting or explaining a lost connection.
import time
from mpyiot.log import info, warn

REASONS = (
    ("WRONG_PASSWORD", "wrong password", 1),
    ("NO_AP_FOUND", "no access point found (check WIFI_SSID)", 1),
    ("CONNECT_FAIL", "connection failed", 1),
    ("ASSOC_FAIL", "association failed", 0),
    ("HANDSHAKE_TIMEOUT", "handshake timeout (wrong password?)", 0),
    ("BEACON_TIMEOUT", "beacon timeout (access point lost)", 0),
    ("CONNECTING", "timed out while connecting", 0),
    ("IDLE", "idle", 0),
)


def _find(st):
    import network
    for r in REASONS:
        if getattr(network, "STAT_" + r[0], None) == st:
            return r
    return (0, "status %s" % st, 0)


def reason(st):
    return _find(st)[1]


def connect(w, ssid, password, timeout_ms, feed, ticks, sleep_ms):
    # One attempt; True when connected. feed() runs while waiting (watchdog).
    if w.isconnected():
        return True
    info("wifi", "connecting to " + ssid)
    try:
        w.disconnect()
    except Exception:
        pass
    w.connect(ssid, password)
    t0 = ticks()
    while time.ticks_diff(ticks(), t0) < timeout_ms:
        feed()
        if w.isconnected():
            info("wifi", "connected ip=" + w.ifconfig()[0])
            return True
        if time.ticks_diff(ticks(), t0) > 500 and _find(w.status())[2]:
            break
        sleep_ms(100)
    warn("wifi", "not connected: " + reason(w.status()))
    return False
