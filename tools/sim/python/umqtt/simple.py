# umqtt.simple for virtual boards only (real boards use the frozen original), written from the
# MQTT 3.1.1 specification with the same constructor, methods, exceptions and limits:
# - no automatic ping: the caller sends ping() itself;
# - lengths are len() of what the caller passes, so a str with non-ASCII characters declares
#   fewer bytes than it sends (as the original does) and the broker drops the client;
# - QoS 2 is not supported.
import socket

_CONNECT = 0x10
_CONNACK = 0x20
_PUBLISH = 0x30
_PUBACK = 0x40
_SUBSCRIBE = 0x82
_SUBACK = 0x90
_PINGREQ = b"\xc0\x00"
_PINGRESP = 0xD0
_DISCONNECT = b"\xe0\x00"


class MQTTException(Exception):
    pass


def _length(n):
    # Remaining Length: 7 bits per byte, high bit set while more bytes follow [MQTT-2.2.3].
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None,
                 ssl_params={}):
        if port == 0:
            port = 8883 if ssl else 1883
        self.client_id = client_id
        self.sock = None
        self.server = server
        self.port = port
        self.ssl = ssl
        self.ssl_params = ssl_params
        self.pid = 0
        self.cb = None
        self.user = user
        self.pswd = password
        self.keepalive = keepalive
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False
        self._pending = b""

    def _write_str(self, s):
        self.sock.write(len(s).to_bytes(2, "big"))
        self.sock.write(s)

    def _read_exact(self, n):
        data = self.sock.read(n)
        if not data or len(data) < n:
            raise OSError(-1)
        return data

    def _read_length(self):
        n = 0
        shift = 0
        while True:
            b = self._read_exact(1)[0]
            n |= (b & 0x7F) << shift
            if not b & 0x80:
                return n
            shift += 7

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        assert 0 <= qos <= 2
        assert topic
        self.lw_topic = topic
        self.lw_msg = msg
        self.lw_qos = qos
        self.lw_retain = retain

    def connect(self, clean_session=True, timeout=None):
        self.sock = socket.socket()
        if timeout is not None:
            self.sock.settimeout(timeout)
        self.sock.connect(socket.getaddrinfo(self.server, self.port)[0][-1])
        if self.ssl is True:
            import ssl
            self.sock = ssl.wrap_socket(self.sock, **self.ssl_params)
        elif self.ssl:
            self.sock = self.ssl.wrap_socket(self.sock, server_hostname=self.server)
        flags = 0x02 if clean_session else 0
        size = 10 + 2 + len(self.client_id)
        if self.user:
            flags |= 0xC0
            size += 2 + len(self.user) + 2 + len(self.pswd)
        if self.lw_topic:
            flags |= 0x04 | (self.lw_qos & 0x3) << 3 | (0x20 if self.lw_retain else 0)
            size += 2 + len(self.lw_topic) + 2 + len(self.lw_msg)
        self.sock.write(bytes([_CONNECT]) + _length(size))
        self.sock.write(b"\x00\x04MQTT\x04" + bytes([flags]) + self.keepalive.to_bytes(2, "big"))
        self._write_str(self.client_id)
        if self.lw_topic:
            self._write_str(self.lw_topic)
            self._write_str(self.lw_msg)
        if self.user:
            self._write_str(self.user)
            self._write_str(self.pswd)
        resp = self._read_exact(4)
        if resp[0] != _CONNACK or resp[1] != 2:
            raise AssertionError("bad CONNACK")
        if resp[3] != 0:
            raise MQTTException(resp[3])
        return resp[2] & 1

    def disconnect(self):
        self.sock.write(_DISCONNECT)
        self.sock.close()

    def ping(self):
        self.sock.write(_PINGREQ)

    def _next_pid(self):
        self.pid = self.pid % 65535 + 1
        return self.pid

    def publish(self, topic, msg, retain=False, qos=0):
        if qos == 2:
            raise AssertionError("QoS 2 is not supported")
        size = 2 + len(topic) + len(msg) + (2 if qos else 0)
        self.sock.write(bytes([_PUBLISH | qos << 1 | (1 if retain else 0)]) + _length(size))
        self._write_str(topic)
        if qos:
            pid = self._next_pid()
            self.sock.write(pid.to_bytes(2, "big"))
        self.sock.write(msg)
        if qos:
            self._await(_PUBACK, pid)

    def subscribe(self, topic, qos=0):
        assert self.cb is not None, "Subscribe callback is not set"
        pid = self._next_pid()
        self.sock.write(bytes([_SUBSCRIBE]) + _length(2 + 2 + len(topic) + 1) + pid.to_bytes(2, "big"))
        self._write_str(topic)
        self.sock.write(bytes([qos]))
        granted = self._await(_SUBACK, pid)
        if granted == 0x80:
            raise MQTTException(0x80)

    def _await(self, kind, pid):
        # Handle whatever arrives first (PUBLISH goes to the callback) until our acknowledgement.
        while True:
            op = self.wait_msg()
            if op is None or op & 0xF0 != kind & 0xF0:
                continue
            body = self._pending
            if int.from_bytes(body[:2], "big") == pid:
                return body[2] if kind == _SUBACK else 0

    def wait_msg(self):
        first = self.sock.read(1)
        self.sock.setblocking(True)
        if first is None:
            return None
        if first == b"":
            raise OSError(-1)
        op = first[0]
        size = self._read_length()
        body = self._read_exact(size) if size else b""
        if op == _PINGRESP:
            return None
        if op & 0xF0 != _PUBLISH:
            self._pending = body
            return op
        qos = (op >> 1) & 0x03
        tlen = int.from_bytes(body[:2], "big")
        topic = body[2:2 + tlen]
        pos = 2 + tlen
        if qos:
            pid = body[pos:pos + 2]
            pos += 2
        self.cb(topic, body[pos:])
        if qos == 1:
            self.sock.write(b"\x40\x02" + pid)
        return op

    def check_msg(self):
        self.sock.setblocking(False)
        return self.wait_msg()
