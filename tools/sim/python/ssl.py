# Virtual-board `ssl`: the host's TLS runs over the board's real connection, with the CA and
# client certificate the firmware loads (PEM or DER, as the board would read them).
# On an ESP8266 it is axTLS's module (extmod/modtls_axtls.c): no CA loading, CERT_NONE only, so the
# board cannot check the broker's certificate (it still presents its own).
import sys
from binascii import hexlify

import _host

_AXTLS = sys.platform == "esp8266"
PROTOCOL_TLS_CLIENT = 0
PROTOCOL_TLS_SERVER = 1
CERT_NONE = 0
if not _AXTLS:
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class SSLContext:
    def __init__(self, protocol):
        if protocol not in (PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER):
            raise ValueError("invalid protocol")
        self.verify_mode = CERT_REQUIRED if protocol == PROTOCOL_TLS_CLIENT and not _AXTLS else CERT_NONE
        self._ca = b""
        self._cert = b""
        self._key = b""

    if not _AXTLS:
        def load_verify_locations(self, cafile=None, cadata=None):
            self._ca = cadata if cadata is not None else _read(cafile)

    def load_cert_chain(self, certfile, keyfile):
        self._cert = certfile if isinstance(certfile, bytes) else _read(certfile)
        self._key = keyfile if isinstance(keyfile, bytes) else _read(keyfile)

    def wrap_socket(self, sock, server_side=False, do_handshake_on_connect=True, server_hostname=None):
        if server_side:
            raise OSError("server side TLS is not simulated")
        mode = CERT_NONE if _AXTLS else self.verify_mode  # axTLS ignores what was stored
        r = _host.call("sock_tls", sock.fileno(), server_hostname or "", mode,
                       hexlify(self._ca).decode(), hexlify(self._cert).decode(), hexlify(self._key).decode())
        if r.r < 0:
            raise OSError(r.s or "TLS handshake failed")
        return sock


def wrap_socket(sock, server_side=False, key=None, cert=None, cert_reqs=CERT_NONE, cadata=None,
                server_hostname=None, do_handshake=True):
    ctx = SSLContext(PROTOCOL_TLS_SERVER if server_side else PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = cert_reqs
    if cadata:
        ctx.load_verify_locations(cadata=cadata)
    if cert and key:
        ctx.load_cert_chain(cert, key)
    return ctx.wrap_socket(sock, server_side=server_side, server_hostname=server_hostname)
