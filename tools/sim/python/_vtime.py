# Virtual-board `time` as on the ESP ports: an int time() on the 2000 epoch from the board's RTC,
# which starts near 0 at power-on and is set by ntptime; microsecond and CPU-cycle ticks; sleeps
# that block on the host (the interpreter's own sleep spins a core). Patched into the real module.
import time

import _host
import _vheap

_UNIX_2000 = 946684800
_gmtime = time.gmtime
_mktime = time.mktime


def _seconds():
    return _host.rtc_s()


def _time_ns():
    return _host.rtc_s() * 1000000000


def _gm(secs=None):
    return _gmtime((_seconds() if secs is None else int(secs)) + _UNIX_2000)


def _mk(t):
    return _mktime(t) - _UNIX_2000


def _sleep_ms(ms):
    _vheap.check()
    _host.sleep_ms(ms)


def _sleep(s):
    _sleep_ms(int(s * 1000))


def _sleep_us(us):
    # Whole milliseconds on the host's timer, the rest spun as the port does.
    if us >= 1000:
        _sleep_ms(us // 1000)
    _host.spin_us(us % 1000)


time.time = _seconds
time.time_ns = _time_ns
time.gmtime = _gm
time.localtime = _gm
time.mktime = _mk
time.sleep = _sleep
time.sleep_ms = _sleep_ms
time.sleep_us = _sleep_us
time.ticks_us = _host.ticks_us
time.ticks_cpu = _host.ticks_cpu
