# (Re)connecting: Wi-Fi, then the MQTT session (last will, clean session, subscriptions, birth) and
# the offline buffer; on failure a backoff delay and a readable reason. App.connect()/App.lost() run
# it through app.load(), so its code is in RAM only while (re)connecting.
import gc
import time
from mpyiot.app import load
from mpyiot.log import exc, info, warn
from mpyiot.session import b

REFUSED = (None, "bad protocol version", "client id rejected", "server unavailable",
           "bad user name or password", "not authorized")


def backoff_ms(attempt, base_ms, max_ms, rand):
    # cap = min(max_ms, base_ms * 2**attempt), then "equal jitter": a value in [cap/2, cap].
    # rand() returns a float in [0, 1).
    cap = base_ms
    while attempt > 0 and cap < max_ms:
        cap *= 2
        attempt -= 1
    cap = min(cap, max_ms)
    half = cap // 2
    return half + int((cap - half) * rand())


def why(e):
    a = e.args[0] if e.args else None
    if type(e).__name__ == "MQTTException" and type(a) is int and 0 < a < 6:
        return "broker refused: " + REFUSED[a]
    return exc(e)


def mqtt(s, birth):
    # Connects Session s: will before connect, clean session, subscriptions (again), then the birth:
    # birth() is the state document (mpyiot.config.state), built once connects is counted.
    from umqtt.simple import MQTTClient, MQTTException
    cfg = s.cfg
    q = cfg.MQTT_QOS
    s.close()
    kw = load("tls").tls_args(cfg) if cfg.MQTT_TLS else {}
    s.c = c = MQTTClient(s.cid, cfg.MQTT_HOST, cfg.MQTT_PORT, b(cfg.MQTT_USER), b(cfg.MQTT_PASSWORD),
                         cfg.MQTT_KEEPALIVE_S, **kw)
    c.set_callback(s.on_msg)
    c.set_last_will(s.status, s.off, s.retain, q)
    info("mqtt", "connecting to %s:%d as %s" % (cfg.MQTT_HOST, cfg.MQTT_PORT, s.cid.decode()))
    c.connect(True)
    n = 0
    for t in s.topics:
        # A broker whose ACL refuses one topic (SUBACK 0x80) leaves the session up: telemetry
        # still flows, and a reconnect would only be refused again.
        try:
            c.subscribe(t, q)
            n += 1
        except MQTTException as e:
            # Only SUBACK 0x80; not an OSError such as ENOTCONN (128 on the ESP32) mid-subscribe.
            if e.args[0] != 0x80:
                raise
            warn("mqtt", "broker refused the subscription to %s (its ACL?); carrying on without it"
                 % t.decode())
    s.connects += 1
    s.connected = True
    # The client id lets watchers tell when two boards share one (the broker kicks them in turn).
    s.publish(s.status, birth(), None, s.retain)
    info("mqtt", "connected, subscribed to %d topics" % n)


def connect(app):
    # One attempt: Wi-Fi, MQTT, then the payloads buffered meanwhile, oldest first.
    cfg = app.cfg
    comp = "wifi"
    try:
        if not load("wifi").connect(app.wlan, cfg.WIFI_SSID, cfg.WIFI_PASSWORD, cfg.WIFI_TIMEOUT_MS,
                                    app.feed, app.ticks, app.sleep_ms):
            raise OSError("Wi-Fi not connected")
        comp = "mqtt"
        # The Wi-Fi module and its garbage go before TLS and umqtt need the heap (ESP8266: ~30 KB).
        gc.collect()
        mqtt(app.sess, lambda: load("config").state(app))
        app.show(True)
        n = app.buf.flush(app.send)
        if n:
            info("telemetry", "sent %d buffered payload(s), %d dropped so far" % (n, app.buf.dropped))
        app.attempt = 0
    except Exception as e:
        app.sess.close()
        app.show(False)
        d = backoff_ms(app.attempt, cfg.BACKOFF_BASE_MS, cfg.BACKOFF_MAX_MS, app.rand)
        app.attempt += 1
        app.retry_at = time.ticks_add(app.ticks(), d)
        warn(comp, "connect failed (%s); retry %d in %d ms" % (why(e), app.attempt, d))


def lost(app, e):
    # e: what broke the MQTT connection, or None when Wi-Fi went down. Reconnect after backoff(0).
    if e:
        warn("mqtt", "connection lost: " + exc(e))
    else:
        warn("wifi", "connection lost: " + load("wifi").reason(app.wlan.status()))
    app.sess.close()
    app.show(False)
    app.attempt = 1
    d = backoff_ms(0, app.cfg.BACKOFF_BASE_MS, app.cfg.BACKOFF_MAX_MS, app.rand)
    app.retry_at = time.ticks_add(app.ticks(), d)
