# App.start()'s one-time work: watchdog, LED, station interface, topics with {mac} expanded, the MQTT
# session and the sensor. App.start() runs it through app.load(), so its code leaves RAM afterwards.
import time
from mpyiot import VERSION
from mpyiot.app import load, simulated
from mpyiot.log import info
from mpyiot.session import Session

CAUSES = (("PWRON_RESET", "power_on"), ("HARD_RESET", "hard"), ("WDT_RESET", "watchdog"),
          ("DEEPSLEEP_RESET", "deepsleep"), ("SOFT_RESET", "soft"))


def boot_reason():
    import machine
    rc = machine.reset_cause()
    for name, text in CAUSES:
        if getattr(machine, name, None) == rc:
            return text
    return str(rc)


def fmt_mac(mac, fmt):
    # fmt: hex, HEX, colon, COLON, dash, DASH.
    f = fmt.lower()
    s = {"colon": ":", "dash": "-"}.get(f, "").join(["%02x" % b for b in mac])
    return s if fmt == f else s.upper()


def start(app):
    import machine
    import network
    cfg = app.cfg
    if cfg.WATCHDOG_MS:
        app.wdt = machine.WDT(timeout=cfg.WATCHDOG_MS) if cfg.WDT_HAS_TIMEOUT else machine.WDT()
    if cfg.LED_PIN is not None:
        app.pin = machine.Pin(cfg.LED_PIN, machine.Pin.OUT)
        app.show(False)
    w = app.wlan = network.WLAN(network.STA_IF)
    w.active(True)
    mac = app.mac = fmt_mac(w.config("mac"), cfg.MAC_FORMAT)

    def x(t):
        return t.replace("{mac}", mac)
    app.tele = [x(t).encode() for t in cfg.TELEMETRY_TOPICS]
    app.reply_t = x(cfg.REPLY_TOPIC).encode()
    app.cmd_t = [x(t) for t in cfg.COMMAND_TOPICS]
    app.res_t = x(cfg.RESULT_TOPIC) if cfg.RESULT_TOPIC else None
    app.cfg_t = x(cfg.CONFIG_TOPIC) if cfg.CONFIG_TOPIC else None
    subs = []
    for t in app.cmd_t + [app.cfg_t, app.res_t] + [x(t) for t in cfg.LISTEN]:
        if t and t not in subs:
            subs.append(t)
    boot = boot_reason()
    app.sess = Session(cfg, x(cfg.MQTT_CLIENT_ID), x(cfg.STATUS_TOPIC), subs, app.on_msg, boot, app.ticks)
    # The birth names the MAC too, so watchers can tell boards apart on a shared DATA/{mac}.
    app.sess.mac = mac
    app.sess.off = ('{"status": "offline", "mac": "%s"}' % mac).encode()
    # A hardware reader is a closure that keeps mpyiot.sensor alive; the simulated one does not need it.
    app.read = simulated(time.ticks_ms) if cfg.SENSOR == "simulated" else load("sensor").reader(cfg)
    app.last = app.deadline = app.retry_at = app.ticks()
    info("app", "mpy-iot %s name=%s board=%s mac=%s boot=%s" % (VERSION, cfg.NAME, cfg.BOARD, mac, boot))
