# Virtual-board `gc`: the heap of the board profile's size. The interpreter's heap grows on demand,
# so the budget is checked here: after a collection at each safe point (sleeps, socket and serial
# I/O, gc.collect()), more live data than the board's heap raises MemoryError, as the board would.
import gc as _gc

import _host

_HEAP = _host.heap_bytes()
# Bytes the simulator's own modules hold (frozen into flash on a real board), set once at boot.
_base = [0]
# After a collection had to be skipped: heap use at which to try again.
_retry = [0]


def settle():
    collect()
    _base[0] = _gc.mem_alloc()


def _collect():
    _gc.collect()
    if _host.gc_collect():
        _retry[0] = 0
        return True
    return False


def collect():
    _collect()


def mem_alloc():
    return max(0, _gc.mem_alloc() - _base[0])


def mem_free():
    return max(0, _HEAP - mem_alloc())


def check():
    if _gc.mem_alloc() - _base[0] <= max(_HEAP, _retry[0]):
        return
    if not _collect():
        # Called through C code that may hold new objects the collector cannot see: try again
        # at a later safe point, once another quarter heap has been allocated.
        _retry[0] = _gc.mem_alloc() - _base[0] + _HEAP // 4
        return
    used = _gc.mem_alloc() - _base[0]
    if used > _HEAP:
        raise MemoryError("memory allocation failed: %d bytes live, heap is %d bytes" % (used, _HEAP))


enable = _gc.enable
disable = _gc.disable
isenabled = _gc.isenabled
threshold = _gc.threshold


# Boot-time probes: the ways Python code calls Python code (plain, method, *args/**kwargs, with,
# generator in a for loop, try/except, lambda, exec) reach the host through interpreter functions
# that hold nothing the collector cannot see; each probe tells the host which ones those are.
def _learn(*args, **kwargs):
    _host.gc_learn()
    _host.gc_learn(1, "x", b"")


class _Probe:
    def method(self, *args, **kwargs):
        _learn(*args, **kwargs)
        _learn(1, k=2)
        return self

    def __enter__(self):
        _learn()
        return self

    def __exit__(self, *exc):
        _learn()


def _generator():
    _learn()
    yield 1
    _learn()


def probe():
    p = _Probe()
    p.method()
    p.method(1, *[2], **{"k": 3})
    with p:
        _learn()
    for _ in _generator():
        _learn()
    try:
        _learn()
        raise ValueError
    except ValueError:
        _learn()
    finally:
        _learn()
    (lambda: _learn())()
