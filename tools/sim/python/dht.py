# Virtual-board `dht`: readings follow the simulator's temperature scenario.
import _host


class DHTBase:
    def __init__(self, pin):
        self._pin = pin
        self._t = None

    def measure(self):
        r = _host.call("temperature")
        if r.s:
            raise OSError(110)
        self._t = r.r

    def humidity(self):
        return 45


class DHT11(DHTBase):
    def temperature(self):
        return int(self._t)


class DHT22(DHTBase):
    def temperature(self):
        return round(self._t, 1)
