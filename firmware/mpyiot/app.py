# The device loop: boot -> Wi-Fi -> MQTT -> (watchdog, messages, telemetry, pings, gc).
# Message callbacks only queue work; publishing happens in step(), never inside umqtt.
#
# Memory: an ESP8266 has ~30 KB of heap after boot and .mpy bytecode is loaded into that heap. Only
# what every loop needs stays resident (this module, session, jsontext, log). Code for rare moments
# (start-up, (re)connecting, commands, RESULT, hardware sensors) lives in modules that load() imports
# for one use and forgets, so the GC frees their code again.
import gc
import time
from micropython import const
from mpyiot.jsontext import telemetry
from mpyiot.log import error, exc, info, warn

_LOOP_MS = const(50)
_REBOOT_PAUSE_MS = const(1000)
_CRASH_PAUSE_MS = const(10000)
_OUTBOX = const(4)


def load(name):
    # mpyiot.<name> for one use: it is removed from sys.modules (and the package) right away, so once
    # the caller lets go of it the GC frees its code. Keep no function of it: a function (or closure)
    # keeps its module's globals, and so all of its code, alive.
    import sys
    import mpyiot
    full = "mpyiot." + name
    new = full not in sys.modules
    m = __import__(full, None, None, (name,))
    if new:
        del sys.modules[full]
        if hasattr(mpyiot, name):
            delattr(mpyiot, name)
    return m


def rand():
    import random
    return random.getrandbits(16) / 65536


def advance(deadline, now, interval):
    # Next = previous deadline + interval (not now + interval): no drift. Whole periods
    # already missed are skipped, keeping the phase. Returns (next, periods skipped).
    late = time.ticks_diff(now, deadline) - interval
    k = late // interval + 1 if late >= 0 else 0
    return time.ticks_add(deadline, (k + 1) * interval), k


def match(flt, topic):
    # MQTT topic filter with + and #; wildcards at the start do not match $-topics.
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


def rssi(w):
    try:
        return w.status("rssi")
    except Exception:
        return None


def simulated(ticks):
    # Smooth 20–25 °C: a 10-minute sine plus a small bounded random walk. Here rather than in
    # mpyiot.sensor so that the simulated sensor (the ESP8266 default) does not keep that module loaded.
    import math
    import random
    w = [0.0]

    def read():
        w[0] = max(-0.5, min(0.5, w[0] + (random.getrandbits(8) - 127.5) / 1275))
        return 22.5 + 2 * math.sin(ticks() * 2 * math.pi / 600000) + w[0]
    return read


class Buffer:
    # Bounded FIFO of payloads kept while offline; the oldest is dropped first.
    def __init__(self, cap):
        self.cap = cap
        self.items = []
        self.dropped = 0

    def add(self, item):
        if len(self.items) >= self.cap:
            self.dropped += 1
            if not self.items:
                return
            self.items.pop(0)
        self.items.append(item)

    def flush(self, send):
        # Oldest first; an item leaves only once send() returned (if it raises, the rest stay).
        n = 0
        while self.items:
            send(self.items[0])
            self.items.pop(0)
            n += 1
        return n

    def __len__(self):
        return len(self.items)


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
        self.now_flag = self.dirty = False
        # led_set: "on"/"off" once config or a command set it, else None (the LED shows the link).
        self.led_set = self.cfg_ack = None
        self.reboot_at = self.wdt = self.pin = None

    def start(self):
        load("start").start(self)

    def run(self):
        self.start()
        while True:
            self.step()
            self.sleep_ms(_LOOP_MS)

    def step(self):
        now = self.ticks()
        self.up += time.ticks_diff(now, self.last)
        self.last = now
        self.feed()
        s = self.sess
        if s.connected and not self.wlan.isconnected():
            self.lost(None)
        if not s.connected and time.ticks_diff(now, self.retry_at) >= 0:
            self.connect()
        if s.connected:
            try:
                s.poll()
                while self.outbox:
                    s.publish(self.reply_t, self.outbox[0])
                    self.outbox.pop(0)
                if self.dirty:
                    # The state changed (config, interval, LED): publish the whole state document.
                    self.dirty = False
                    s.publish(s.status, load("config").state(self), None, s.retain)
            except Exception as e:
                self.lost(e)
        if time.ticks_diff(now, self.deadline) >= 0:
            self.deadline, k = advance(self.deadline, now, self.interval)
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
        load("link").connect(self)

    def lost(self, e):
        # e is None when Wi-Fi went down, else the exception that broke the MQTT connection.
        load("link").lost(self, e)

    def sample(self):
        cfg = self.cfg
        try:
            t = self.read()
            if t is None:
                raise ValueError("no value")
        except Exception as e:
            warn("telemetry", "sensor %s failed, nothing published: %s" % (cfg.SENSOR, exc(e)))
            return
        ex = []
        for k in cfg.EXTRAS:
            if k == "seq":
                v = self.seq
            elif k == "uptime":
                v = self.up // 1000
            elif k == "rssi":
                v = rssi(self.wlan)
            else:
                v = gc.mem_free() if k == "heap" else None
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
            if t == self.cfg_t:
                return load("config").apply(self, msg, self.cfg.MAX_COMMAND_BYTES)
            for f in self.cmd_t:
                if match(f, t):
                    r = load("commands").handle(self, msg, self.cfg.MAX_COMMAND_BYTES)
                    if len(self.outbox) >= _OUTBOX:
                        self.outbox.pop(0)
                        warn("command", "too many pending replies, oldest dropped")
                    self.outbox.append(r)
                    info("command", "reply " + r.decode())
                    return
            if self.res_t and match(self.res_t, t):
                return load("result").show(msg, self.cfg, self.mac)
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
        if self.led_set is not None:
            on = self.led_set == "on"
        if self.pin is not None:
            self.pin.value(1 if on != self.cfg.LED_ACTIVE_LOW else 0)

    def reset(self):
        import machine
        machine.reset()

    # Hooks for mpyiot.commands and mpyiot.config.
    def republish(self):
        self.dirty = True

    def set_interval(self, seconds):
        self.interval = int(seconds * 1000)
        self.deadline = time.ticks_add(self.ticks(), self.interval)
        self.dirty = True
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
        else:
            self.led_set = state
            self.dirty = True
        self.show(state is True or state == "on")

    def reboot(self):
        self.reboot_at = time.ticks_add(self.ticks(), _REBOOT_PAUSE_MS)

    def status(self):
        w = self.wlan
        ms = self.interval
        return {"ip": w.ifconfig()[0] if w.isconnected() else None, "rssi": rssi(w),
                "heap": gc.mem_free(), "uptime": self.up // 1000, "seq": self.seq,
                "interval": ms // 1000 if ms % 1000 == 0 else ms / 1000, "buffered": len(self.buf),
                "dropped": self.buf.dropped, "connects": self.sess.connects, "mac": self.mac}


def main(cfg):
    a = App(cfg)
    try:
        a.run()
    except Exception as e:
        error("app", "crashed: %s; reset in %d s" % (exc(e), _CRASH_PAUSE_MS // 1000))
        try:
            import sys
            sys.print_exception(e)
        except Exception:
            pass
        time.sleep_ms(_CRASH_PAUSE_MS)
        a.reset()
