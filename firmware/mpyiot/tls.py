# TLS arguments for umqtt's MQTTClient; imported only when MQTT_TLS is on.


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
    # axTLS (ESP8266) cannot check the broker: no load_verify_locations, CERT_NONE only.
    ca = cfg.TLS_CA and hasattr(ctx, "load_verify_locations")
    if ca:
        ctx.load_verify_locations(cadata=_read(cfg.TLS_CA))
    ctx.verify_mode = ssl.CERT_REQUIRED if ca else ssl.CERT_NONE
    return {"ssl": ctx}
