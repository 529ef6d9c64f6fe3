# The MQTT session while it is up: publish, poll (messages and keepalive pings), close. Connecting
# (last will, clean session, subscriptions, birth) is mpyiot.link.mqtt(), loaded only to connect.
# Topics, payloads, client id and credentials go to umqtt as UTF-8 bytes: umqtt computes packet
# lengths with len(), which counts characters for a str.
import time

OFFLINE = b'{"status": "offline"}'


def b(s):
    return s.encode() if type(s) is str else s


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
        self.mac = ""
        # The will names the MAC too: several boards may share one status topic (two labs' team-1).
        self.off = OFFLINE
        # Retained (where the broker allows it) so a watcher started later knows who is online.
        self.retain = cfg.STATUS_RETAIN
        self.connected = False
        self.connects = self.last = 0
        self.ping_ms = cfg.MQTT_KEEPALIVE_S * 500

    def publish(self, topic, msg, qos=None, retain=False):
        self.c.publish(b(topic), b(msg), retain, self.cfg.MQTT_QOS if qos is None else qos)
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
                c.publish(self.status, self.off, self.retain, 0)
                c.disconnect()
            else:
                c.sock.close()
        except Exception:
            pass
