# Virtual-board `gc`: the heap of the board profile's size. The interpreter's heap grows on demand,
# so the budget is checked here: after a collection at each safe point (sleeps, socket and serial
# I/O, gc.collect()), more live data than the board's heap raises MemoryError, as the board would.
import gc as _gc

import _host

_HEAP = _host.heap_bytes()
# Bytes the simulator's own modules hold (frozen into flash on a real board), set once at boot.
_base = [0]


def settle():
    collect()
    _base[0] = _gc.mem_alloc()


def collect():
    _gc.collect()
    _host.gc_collect()


def mem_alloc():
    return max(0, _gc.mem_alloc() - _base[0])


def mem_free():
    return max(0, _HEAP - mem_alloc())


def check():
    if _gc.mem_alloc() - _base[0] <= _HEAP:
        return
    collect()
    used = _gc.mem_alloc() - _base[0]
    if used > _HEAP:
        raise MemoryError("memory allocation failed: %d bytes live, heap is %d bytes" % (used, _HEAP))


enable = _gc.enable
disable = _gc.disable
isenabled = _gc.isenabled
threshold = _gc.threshold
