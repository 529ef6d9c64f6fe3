# Virtual-board `onewire`.


class OneWireError(Exception):
    pass


class OneWire:
    def __init__(self, pin):
        self._pin = pin

    def scan(self):
        return [bytearray(b"\x28\xff\x11\x22\x33\x44\x55\x66")]

    def reset(self, required=False):
        return True
