# Virtual-board `network`: WLAN against the simulator's virtual access point.
import _host

STA_IF = 0
AP_IF = 1
if _host.chip() == "ESP8266":
    STAT_IDLE = 0
    STAT_CONNECTING = 1
    STAT_WRONG_PASSWORD = 2
    STAT_NO_AP_FOUND = 3
    STAT_CONNECT_FAIL = 4
    STAT_GOT_IP = 5
else:
    STAT_IDLE = 1000
    STAT_CONNECTING = 1001
    STAT_GOT_IP = 1010
    STAT_BEACON_TIMEOUT = 200
    STAT_NO_AP_FOUND = 201
    STAT_WRONG_PASSWORD = 202
    STAT_ASSOC_FAIL = 203
    STAT_HANDSHAKE_TIMEOUT = 204
    STAT_CONNECT_FAIL = STAT_ASSOC_FAIL

_ifaces = {}


def WLAN(interface=STA_IF):
    # One object per interface, as on the boards.
    if interface not in _ifaces:
        _ifaces[interface] = _WLAN(interface)
    return _ifaces[interface]


class _WLAN:
    def __init__(self, interface):
        self._if = interface
        self._active = False

    def active(self, is_active=None):
        if is_active is None:
            return self._active
        self._active = bool(is_active)
        if not self._active and self._if == STA_IF:
            _host.call("wifi_disconnect")

    def connect(self, ssid=None, key=None, bssid=None):
        if self._if != STA_IF:
            raise OSError("STA required")
        if not self._active:
            raise OSError("Wifi Internal Error")
        _host.call("wifi_connect", ssid or "", key or "")

    def disconnect(self):
        _host.call("wifi_disconnect")

    def status(self, param=None):
        if param == "rssi":
            return _host.call("wifi_rssi").r
        if param is not None:
            raise ValueError("unknown status param")
        if self._if != STA_IF or not self._active:
            return STAT_IDLE
        return globals()["STAT_" + _host.wifi_status()]

    def isconnected(self):
        return self._if == STA_IF and self._active and _host.wifi_status() == "GOT_IP"

    def ifconfig(self, config=None):
        if config is not None:
            return None
        if not self.isconnected():
            return ("0.0.0.0", "0.0.0.0", "0.0.0.0", "0.0.0.0")
        return tuple(_host.call("wifi_ifconfig").s.split(","))

    def config(self, *args, **kwargs):
        if kwargs:
            return None
        if args[0] == "mac":
            return bytes.fromhex(_host.mac())
        if args[0] in ("essid", "ssid"):
            return _host.call("wifi_essid").s
        if args[0] == "hostname":
            return "mpy-" + _host.mac()[6:]
        raise ValueError("unknown config param")

    def scan(self):
        r = _host.call("wifi_scan")
        return [(r.s.encode(), bytes(6), 6, -55, 3, False)] if r.s else []
