# Virtual-board `select`: poll() and select() over the simulator's sockets (the interpreter's own
# select knows only its file descriptors). Stands in for `select` in sys.modules.
import _host
import _vheap

POLLIN = 0x1
POLLOUT = 0x4
POLLERR = 0x8
POLLHUP = 0x10


class _Poll:
    def __init__(self):
        self._objs = {}

    def register(self, obj, mask=POLLIN | POLLOUT):
        if not hasattr(obj, "_id") and not hasattr(obj, "_uart"):
            raise TypeError("virtual board: select.poll() supports sockets and sys.stdin only")
        self._objs[obj] = mask

    def unregister(self, obj):
        self._objs.pop(obj, None)

    def modify(self, obj, mask):
        if obj not in self._objs:
            raise OSError(2)
        self._objs[obj] = mask

    def poll(self, timeout=-1):
        _vheap.check()
        timeout = -1 if timeout is None or timeout < 0 else int(timeout)
        uart = [o for o, m in self._objs.items() if hasattr(o, "_uart") and m & POLLIN]
        socks = [(o, m) for o, m in self._objs.items() if hasattr(o, "_id")]
        if not socks and not uart:
            # Nothing to watch: a plain sleep (forever, as the port, when there is no timeout).
            while timeout < 0:
                _host.sleep_ms(1000)
            _host.sleep_ms(timeout)
            return []
        if not socks:
            return [(o, POLLIN) for o in uart] if _host.uart_wait(timeout) else []
        # Sockets and the serial port together: look at both in short slices.
        waited = 0
        while True:
            ready = self._sockets(socks, 0 if uart else timeout)
            if uart and _host.uart_wait(0):
                ready += [(o, POLLIN) for o in uart]
            if ready or not uart or (0 <= timeout <= waited):
                return ready
            _host.sleep_ms(10)
            waited += 10

    def _sockets(self, socks, timeout):
        query = ",".join("%d:%d" % (o._id, m) for o, m in socks)
        r = _host.call("sock_poll", query, timeout)
        events = [int(e) for e in r.s.split(",")] if r.s else []
        return [(o, e) for (o, _), e in zip(socks, events) if e]

    def ipoll(self, timeout=-1, flags=0):
        return iter(self.poll(timeout))


def poll():
    return _Poll()


def select(rlist, wlist, xlist, timeout=None):
    p = _Poll()
    for o in rlist:
        p.register(o, POLLIN)
    for o in wlist:
        p._objs[o] = p._objs.get(o, 0) | POLLOUT
    ready = p.poll(-1 if timeout is None else int(timeout * 1000))
    r = [o for o, e in ready if e & (POLLIN | POLLERR | POLLHUP) and o in rlist]
    w = [o for o, e in ready if e & POLLOUT and o in wlist]
    return r, w, []
