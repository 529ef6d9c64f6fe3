# Virtual-board `socket`: blocking calls reach a real TCP socket on the host.
# Errors are OSError with the board port's errno values (see _verrno).
from binascii import hexlify

import _host
import _vheap
from _verrno import number

AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2
SOCK_RAW = 3
IPPROTO_TCP = 6
IPPROTO_UDP = 17
SOL_SOCKET = 0xFFF
SO_REUSEADDR = 4
# A failed DNS lookup: lwIP's EAI_FAIL on the ESP32 port, ERR_ARG-style -2 on the ESP8266.
_DNS_FAILED = -2 if _host.chip() == "ESP8266" else -202


def _error(reply):
    return OSError(number(reply.s) if reply.s else number("EIO"))


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    _vheap.check()
    r = _host.call("resolve", host)
    if r.r < 0:
        raise OSError(_DNS_FAILED)
    return [(AF_INET, SOCK_STREAM, IPPROTO_TCP, "", (r.s, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=IPPROTO_TCP):
        self._id = _host.call("sock_open").r
        self._timeout = -1

    def _call(self, *args):
        _vheap.check()
        r = _host.call(*args)
        if r.r < 0:
            raise _error(r)
        return r

    def settimeout(self, value):
        self._timeout = -1 if value is None else int(value * 1000)

    def setblocking(self, flag):
        self._timeout = -1 if flag else 0

    def setsockopt(self, level, option, value):
        pass

    def connect(self, address):
        if self._timeout == 0:
            # As lwIP: a non-blocking connect starts and raises EINPROGRESS; poll() says POLLOUT when up.
            self._call("sock_connect_start", self._id, address[0], address[1])
            raise OSError(number("EINPROGRESS"))
        self._call("sock_connect", self._id, address[0], address[1], self._timeout)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        return self._call("sock_send", self._id, hexlify(data).decode()).r

    def sendall(self, data):
        self.send(data)

    def write(self, buf, n=None, off=0):
        # The stream write of the ports: write(buf[, max_len[, off]]), as umqtt.simple calls it.
        if isinstance(buf, str):
            buf = buf.encode()
        end = len(buf) if n is None else min(len(buf), off + n)
        try:
            return self.send(memoryview(buf)[off:end])
        except OSError as e:
            if e.errno == number("EAGAIN"):
                return None
            raise

    def recv(self, bufsize):
        r = self._call("sock_recv", self._id, bufsize, self._timeout)
        return bytes(r.d) if r.r else b""

    def read(self, size=-1):
        # Stream semantics: block until `size` bytes or end of stream; None when a
        # non-blocking socket has nothing yet.
        out = b""
        while size < 0 or len(out) < size:
            _vheap.check()
            r = _host.call("sock_recv", self._id, 4096 if size < 0 else size - len(out), self._timeout)
            if r.r < 0:
                if r.s == "EAGAIN" and not out:
                    return None
                if r.s == "EAGAIN":
                    continue
                raise _error(r)
            if r.r == 0:
                break
            out += bytes(r.d)
        return out

    def readinto(self, buf, nbytes=None):
        data = self.read(len(buf) if nbytes is None else nbytes)
        if data is None:
            return None
        buf[:len(data)] = data
        return len(data)

    def readline(self):
        line = b""
        while not line.endswith(b"\n"):
            c = self.read(1)
            if not c:
                break
            line += c
        return line

    def close(self):
        if self._id >= 0:
            _host.call("sock_close", self._id)
            self._id = -1

    def fileno(self):
        return self._id

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.close()
