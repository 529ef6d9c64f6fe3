# Virtual-board `socket`: blocking calls reach a real TCP socket on the host.
# Errors are OSError with the interpreter's own errno values, as on the boards.
import errno
from binascii import hexlify

import _host

AF_INET = 2
SOCK_STREAM = 1
SOCK_DGRAM = 2
IPPROTO_TCP = 6
SOL_SOCKET = 1
SO_REUSEADDR = 4


def _error(reply):
    return OSError(getattr(errno, reply.s, errno.EIO) if reply.s else errno.EIO)


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    r = _host.call("resolve", host)
    if r.r < 0:
        # lwIP reports a failed DNS lookup as -202 on the ESP ports.
        raise OSError(-202)
    return [(AF_INET, SOCK_STREAM, IPPROTO_TCP, "", (r.s, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_STREAM, proto=IPPROTO_TCP):
        self._id = _host.call("sock_open").r
        self._timeout = -1

    def _ms(self):
        return self._timeout

    def settimeout(self, value):
        self._timeout = -1 if value is None else int(value * 1000)

    def setblocking(self, flag):
        self._timeout = -1 if flag else 0

    def setsockopt(self, level, option, value):
        pass

    def connect(self, address):
        r = _host.call("sock_connect", self._id, address[0], address[1], self._ms())
        if r.r < 0:
            raise _error(r)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        r = _host.call("sock_send", self._id, hexlify(data).decode())
        if r.r < 0:
            raise _error(r)
        return r.r

    def sendall(self, data):
        self.send(data)

    def write(self, data):
        return self.send(data)

    def recv(self, bufsize):
        r = _host.call("sock_recv", self._id, bufsize, self._ms())
        if r.r < 0:
            raise _error(r)
        return bytes(r.d) if r.r else b""

    def read(self, size=-1):
        # Stream semantics: block until `size` bytes or end of stream; None when a
        # non-blocking socket has nothing yet.
        out = b""
        while size < 0 or len(out) < size:
            r = _host.call("sock_recv", self._id, 4096 if size < 0 else size - len(out), self._ms())
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
