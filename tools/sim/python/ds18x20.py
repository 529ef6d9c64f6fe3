# Virtual-board `ds18x20`: readings follow the simulator's temperature scenario.
import _host


class DS18X20:
    def __init__(self, onewire):
        self.ow = onewire

    def scan(self):
        return self.ow.scan()

    def convert_temp(self):
        pass

    def read_temp(self, rom):
        return round(_host.call("temperature").r, 2)
