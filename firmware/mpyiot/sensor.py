# Hardware temperature readers: reader(cfg) returns a function giving °C; it raises on a sensor
# failure (the app logs a WARN and publishes nothing that cycle). Not imported for SENSOR "simulated".
import time
from mpyiot.app import simulated
from mpyiot.log import warn


def reader(cfg):
    kind = cfg.SENSOR
    pin = cfg.SENSOR_PIN
    src = cfg.TEMP_SOURCE
    if kind == "internal" and src in ("raw_temperature_f", "mcu_temperature"):
        import esp32
        if src == "mcu_temperature":
            return esp32.mcu_temperature
        return lambda: (esp32.raw_temperature() - 32) / 1.8  # °F -> °C
    if kind == "internal":
        warn("sensor", "no internal temperature sensor on this board; using simulated values")
    elif kind in ("dht11", "dht22"):
        import dht
        import machine
        d = (dht.DHT11 if kind == "dht11" else dht.DHT22)(machine.Pin(pin))

        def read():
            d.measure()
            return d.temperature()
        return read
    elif kind == "ds18b20":
        import ds18x20
        import machine
        import onewire
        d = ds18x20.DS18X20(onewire.OneWire(machine.Pin(pin)))

        def read():
            roms = d.scan()
            if not roms:
                raise OSError("no DS18B20 on pin %d" % pin)
            d.convert_temp()
            time.sleep_ms(750)
            return d.read_temp(roms[0])
        return read
    elif kind != "simulated":
        warn("sensor", "unknown SENSOR %s; using simulated values" % kind)
    return simulated(time.ticks_ms)
