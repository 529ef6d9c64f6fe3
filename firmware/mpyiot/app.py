# The device loop: boot -> Wi-Fi -> MQTT -> (watchdog, messages, telemetry, pings, gc).
# Message callbacks only queue work; publishing happens in step(), never inside umqtt.
import gc
import time
from mpyiot import VERSION, commands, result, sched, topics, wifi
from mpyiot.backoff import backoff_ms, rand
from mpyiot.buffer import Buffer
from mpyiot.jsontext import telemetry
from mpyiot.log import error, exc, info, warn
from mpyiot.session import Session

LOOP_MS = 50
REBOOT_PAUSE_MS = 1000
CRASH_PAUSE_MS = 10000
OUTBOX = 4
REFUSED = (None, "bad protocol version", "client id rejected", "server unavailable",
           "bad user name or password", "not authorized")
CAUSES = (("PWRON_RESET", "power_on"), ("HARD_RESET", "hard"), ("WDT_RESET", "watchdog"),
          ("DEEPSLEEP_RESET", "deepsleep"), ("SOFT_RESET", "soft"))


def boot_reason():
    import machine
    rc = machine.reset_cause()
    for name, text in CAUSES:
        if getattr(machine, name, None) == rc:
            return text
    return str(rc)


def why(e):
    a = e.args[0] if e.args else None
    if type(e).__name__ == "MQTTException" and type(a) is int and 0 < a < 6:
        return "broker refused: " + REFUSED[a]
    return exc(e)


class App:
    def __init__(self, cfg):
        self.cfg = cfg
        self.ticks = time.ticks_ms
        self.sleep_ms = time.sleep_ms
        self.rand = rand
        self.interval = cfg.TELEMETRY_INTERVAL_MS
        self.seq = self.up = self.attempt = 0
        self.buf = Buffer(cfg.OFFLINE_BUFFER)
        self.outbox = []
        self.now_flag = False
        self.reboot_at = self.wdt = self.pin = None

    def start(self):
        import machine
        from mpyiot import sensor
        cfg = self.cfg
        if cfg.WATCHDOG_MS:
            self.wdt = machine.WDT(timeout=cfg.WATCHDOG_MS) if cfg.WDT_HAS_TIMEOUT else machine.WDT()
        if cfg.LED_PIN is not None:
            self.pin = machine.Pin(cfg.LED_PIN, machine.Pin.OUT)
            self.show(False)
        self.wlan = wifi.sta()
        mac = self.mac = topics.fmt_mac(self.wlan.config("mac"), cfg.MAC_FORMAT)

        def x(t):
            return topics.expand(t, mac)
        self.tele = [x(t).encode() for t in cfg.TELEMETRY_TOPICS]
        self.reply_t = x(cfg.REPLY_TOPIC).encode()
        self.cmd_t = [x(t) for t in cfg.COMMAND_TOPICS]
        self.res_t = x(cfg.RESULT_TOPIC) if cfg.RESULT_TOPIC else None
        subs = []
        for t in self.cmd_t + [self.res_t] + [x(t) for t in cfg.LISTEN]:
            if t and t not in subs:
                subs.append(t)
        boot = boot_reason()
        self.sess = Session(cfg, x(cfg.MQTT_CLIENT_ID), x(cfg.STATUS_TOPIC), subs, self.on_msg, boot,
                            self.ticks)
        self.read = sensor.reader(cfg)
        self.last = self.deadline = self.retry_at = self.ticks()
        info("app", "mpy-iot %s name=%s board=%s mac=%s boot=%s" % (VERSION, cfg.NAME, cfg.BOARD, mac, boot))

    def run(self):
        self.start()
        while True:
            self.step()
            self.sleep_ms(LOOP_MS)

    def step(self):
        now = self.ticks()
        self.up += time.ticks_diff(now, self.last)
        self.last = now
        self.feed()
        s = self.sess
        if s.connected and not self.wlan.isconnected():
            warn("wifi", "connection lost: " + wifi.reason(self.wlan.status()))
            self.lost(None)
        if not s.connected and time.ticks_diff(now, self.retry_at) >= 0:
            self.connect()
        if s.connected:
            try:
                s.poll()
                while self.outbox:
                    s.publish(self.reply_t, self.outbox[0])
                    self.outbox.pop(0)
            except Exception as e:
                self.lost(e)
        if sched.due(self.deadline, now):
            self.deadline, k = sched.advance(self.deadline, now, self.interval)
            if k:
                warn("telemetry", "behind schedule, %d period(s) skipped" % k)
            self.now_flag = True
        if self.now_flag:
            self.now_flag = False
            self.sample()
        if self.reboot_at is not None and time.ticks_diff(now, self.reboot_at) >= 0:
            info("app", "rebooting")
            s.close(True)
            self.reset()
        gc.collect()

    def connect(self):
        cfg = self.cfg
        comp = "wifi"
        try:
            if not wifi.connect(self.wlan, cfg.WIFI_SSID, cfg.WIFI_PASSWORD, cfg.WIFI_TIMEOUT_MS, self.feed,
                                self.ticks, self.sleep_ms):
                raise OSError("Wi-Fi not connected")
            comp = "mqtt"
            self.sess.connect()
            self.show(True)
            n = self.buf.flush(self.send)
            if n:
                info("telemetry", "sent %d buffered payload(s), %d dropped so far" % (n, self.buf.dropped))
            self.attempt = 0
        except Exception as e:
            self.sess.close()
            self.show(False)
            d = backoff_ms(self.attempt, cfg.BACKOFF_BASE_MS, cfg.BACKOFF_MAX_MS, self.rand)
            self.attempt += 1
            self.retry_at = time.ticks_add(self.ticks(), d)
            warn(comp, "connect failed (%s); retry %d in %d ms" % (why(e), self.attempt, d))

    def lost(self, e):
        if e:
            warn("mqtt", "connection lost: " + exc(e))
        self.sess.close()
        self.show(False)
        self.attempt = 1
        d = backoff_ms(0, self.cfg.BACKOFF_BASE_MS, self.cfg.BACKOFF_MAX_MS, self.rand)
        self.retry_at = time.ticks_add(self.ticks(), d)

    def sample(self):
        cfg = self.cfg
        try:
            t = self.read()
            if t is None:
                raise ValueError("no value")
        except Exception as e:
            warn("telemetry", "sensor %s failed, nothing published: %s" % (cfg.SENSOR, exc(e)))
            return
        vals = {"seq": self.seq, "uptime": self.up // 1000}
        ex = []
        for k in cfg.EXTRAS:
            v = vals.get(k)
            if k == "rssi":
                v = wifi.rssi(self.wlan)
            elif k == "heap":
                v = gc.mem_free()
            ex.append((k, v))
        p = telemetry(t, list(cfg.STUDENTS), cfg.GROUP, ex)
        self.seq += 1
        if self.sess.connected:
            try:
                return self.send(p)
            except Exception as e:
                self.lost(e)
        self.buf.add(p)
        b = self.buf
        info("telemetry", "offline, buffered %d/%d (dropped %d)" % (len(b), b.cap, b.dropped))

    def send(self, p):
        for t in self.tele:
            self.sess.publish(t, p)
        info("telemetry", "sent " + p.decode())

    def on_msg(self, topic, msg):
        try:
            t = topic.decode()
            for f in self.cmd_t:
                if topics.match(f, t):
                    r = commands.handle(self, msg, self.cfg.MAX_COMMAND_BYTES)
                    if len(self.outbox) >= OUTBOX:
                        self.outbox.pop(0)
                        warn("command", "too many pending replies, oldest dropped")
                    self.outbox.append(r)
                    info("command", "reply " + r.decode())
                    return
            if self.res_t and topics.match(self.res_t, t):
                return result.show(msg, self.cfg.GROUP)
            try:
                m = msg[:200].decode()
            except Exception:
                m = repr(msg[:200])
            info("listen", t + " " + m)
        except Exception as e:
            error("app", "message on %r: %s" % (topic, exc(e)))

    def feed(self):
        if self.wdt is not None:
            self.wdt.feed()

    def show(self, on):
        if self.pin is not None:
            self.pin.value(1 if on != self.cfg.LED_ACTIVE_LOW else 0)

    def reset(self):
        import machine
        machine.reset()

    # Hooks for mpyiot.commands.
    def set_interval(self, seconds):
        self.interval = int(seconds * 1000)
        self.deadline = time.ticks_add(self.ticks(), self.interval)
        info("command", "telemetry interval %d ms" % self.interval)

    def publish_now(self):
        self.now_flag = True

    def led(self, state, times):
        if self.pin is None:
            raise ValueError("no LED on this board (LED_PIN is None)")
        if state == "blink":
            for i in range(times * 2):
                self.show(i % 2 == 0)
                self.feed()
                self.sleep_ms(150)
            state = self.sess.connected
        self.show(state is True or state == "on")

    def reboot(self):
        self.reboot_at = time.ticks_add(self.ticks(), REBOOT_PAUSE_MS)

    def status(self):
        w = self.wlan
        ms = self.interval
        return {"ip": w.ifconfig()[0] if w.isconnected() else None, "rssi": wifi.rssi(w),
                "heap": gc.mem_free(), "uptime": self.up // 1000, "seq": self.seq,
                "interval": ms // 1000 if ms % 1000 == 0 else ms / 1000, "buffered": len(self.buf),
                "dropped": self.buf.dropped, "connects": self.sess.connects, "mac": self.mac}


def main(cfg):
    a = App(cfg)
    try:
        a.run()
    except Exception as e:
        error("app", "crashed: %s; reset in %d s" % (exc(e), CRASH_PAUSE_MS // 1000))
        try:
            import sys
            sys.print_exception(e)
        except Exception:
            pass
        time.sleep_ms(CRASH_PAUSE_MS)
        a.reset()
