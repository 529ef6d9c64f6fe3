# Virtual-board `ntptime`: the host's clock stands in for the NTP server.
import _host

host = "pool.ntp.org"
timeout = 1
# Seconds between the Unix epoch and the ESP epoch (2000-01-01).
_EPOCH_OFFSET = 946684800


def time():
    return _host.now_s() - _EPOCH_OFFSET


def settime():
    _host.rtc_set_now()
