# Virtual-board `esp32`: raw_temperature() (°F) exists on the ESP32 only, mcu_temperature() (°C)
# on S2/S3/C3 — exactly as in MicroPython, so firmware that calls the wrong one fails the same way.
import _host

_source = _host.temperature_source()


def _celsius():
    return _host.call("temperature").r


if _source == "raw_temperature_f":
    def raw_temperature():
        return int(_celsius() * 9 / 5 + 32)

if _source == "mcu_temperature":
    def mcu_temperature():
        return round(_celsius(), 1)


def idf_heap_info(caps=0):
    return [(100000, 60000, 40000, 30000)]
