# MQTT session over umqtt.simple: clean session, last will set before connect, birth after,
# resubscribe on every connect, keepalive pings sent here (umqtt never pings). Topics,
# payloads, client id and credentials go to umqtt as UTF-8 bytes: umqtt computes packet
# lengths with len(), which counts characters for a str.
import time
from mpyiot.jsontext import obj
from mpyiot.log import info

OFFLINE = b'{"status": "offline"}'


def b(s):
    return s.encode() if type(s) is str else s


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def tls_args(cfg):
    import ssl
    crt = cfg.TLS_CERT and _read(cfg.TLS_CERT)
    key = cfg.TLS_KEY and _read(cfg.TLS_KEY)
    if not hasattr(ssl, "SSLContext"):  # images before v1.22: ssl=True, ssl_params
        p = {"server_hostname": cfg.MQTT_HOST}
        if crt:
            p["cert"] = crt
            p["key"] = key
        return {"ssl": True, "ssl_params": p}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if crt:
        ctx.load_cert_chain(crt, key)
    if cfg.TLS_CA:
        ctx.load_verify_locations(cadata=_read(cfg.TLS_CA))
    ctx.verify_mode = ssl.CERT_REQUIRED if cfg.TLS_CA else ssl.CERT_NONE
    return {"ssl": ctx}


class Session:
    def __init__(self, cfg, client_id, status_topic, topics, on_msg, boot, ticks):
        self.cfg = cfg
        self.cid = b(client_id)
        self.status = b(status_topic)
        self.topics = [b(t) for t in topics]
        self.on_msg = on_msg
        self.boot = boot
        self.ticks = ticks
        self.c = None
        self.connected = False
        self.connects = self.last = 0
        self.ping_ms = cfg.MQTT_KEEPALIVE_S * 500

    def connect(self):
        from umqtt.simple import MQTTClient
        cfg = self.cfg
        q = cfg.MQTT_QOS
        self.close()
        kw = tls_args(cfg) if cfg.MQTT_TLS else {}
        self.c = c = MQTTClient(self.cid, cfg.MQTT_HOST, cfg.MQTT_PORT, b(cfg.MQTT_USER),
                                b(cfg.MQTT_PASSWORD), cfg.MQTT_KEEPALIVE_S, **kw)
        c.set_callback(self.on_msg)
        c.set_last_will(self.status, OFFLINE, False, q)
        info("mqtt", "connecting to %s:%d as %s" % (cfg.MQTT_HOST, cfg.MQTT_PORT, self.cid.decode()))
        c.connect(True)
        for t in self.topics:
            c.subscribe(t, q)
        self.connects += 1
        self.connected = True
        self.publish(self.status, obj([("status", "online"), ("name", cfg.NAME), ("boot", self.boot),
                                       ("connects", self.connects)]))
        info("mqtt", "connected, subscribed to %d topics" % len(self.topics))

    def publish(self, topic, msg, qos=None):
        self.c.publish(b(topic), b(msg), False, self.cfg.MQTT_QOS if qos is None else qos)
        self.last = self.ticks()

    def poll(self):
        # Up to 8 waiting packets, then a ping if nothing was sent for half the keepalive.
        # Raises OSError when the connection is gone.
        for _ in range(8):
            if self.c.check_msg() is None:
                break
        if self.ping_ms and time.ticks_diff(self.ticks(), self.last) >= self.ping_ms:
            self.c.ping()
            self.last = self.ticks()

    def close(self, graceful=False):
        # graceful: say offline and DISCONNECT; otherwise drop the socket (the broker sends the will).
        c = self.c
        self.c = None
        self.connected = False
        try:
            if graceful:
                c.publish(self.status, OFFLINE, False, 0)
                c.disconnect()
            else:
                c.sock.close()
        except Exception:
            pass
