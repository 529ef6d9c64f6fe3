# Virtual-board `machine`: the documented MicroPython API, backed by the simulator host.
import time

import _host

_ESP8266 = _host.chip() == "ESP8266"
if _ESP8266:
    # The SDK's rst_info reason, as the ESP8266 port returns it.
    PWRON_RESET = 0
    WDT_RESET = 1
    SOFT_RESET = 4
    DEEPSLEEP_RESET = 5
    HARD_RESET = 6
else:
    PWRON_RESET = 1
    HARD_RESET = 2
    WDT_RESET = 3
    DEEPSLEEP_RESET = 4
    SOFT_RESET = 5
# The reset pin (EN): the ESP8266 SDK reports REASON_EXT_SYS_RST (6); ESP-IDF never returns
# ESP_RST_EXT for the ESP32 family ("not applicable for ESP32"): the chip reports a power-on reset,
# so the port's machine.HARD_RESET (2) is never seen after pressing EN.
_PIN_RESET = HARD_RESET if _ESP8266 else PWRON_RESET
_CAUSES = {"power_on": PWRON_RESET, "hard": _PIN_RESET, "watchdog": WDT_RESET,
           "deepsleep": DEEPSLEEP_RESET, "soft": SOFT_RESET}
_freq = 80000000 if _ESP8266 else 160000000


def reset_cause():
    # After a soft reboot (Ctrl-D) the ESP32 port says SOFT_RESET; the ESP8266 still reports the
    # chip's last reset.
    if _host.soft_reboot() and not _ESP8266:
        return SOFT_RESET
    return _CAUSES.get(_host.reset_cause(), PWRON_RESET)


def reset():
    # A software restart: the chip reports it as SOFT_RESET on the next boot.
    _host.reset("soft")


def soft_reset():
    _host.reset("soft_reboot")


def deepsleep(ms=0):
    _host.sleep_ms(ms)
    _host.reset("deepsleep")


def lightsleep(ms=0):
    _host.sleep_ms(ms)


def idle():
    pass


def freq(hz=None):
    global _freq
    if hz is None:
        return _freq
    _freq = hz


def unique_id():
    mac = bytes.fromhex(_host.mac())
    # ESP32 returns the 6-byte MAC; ESP8266 its chip id (low 3 MAC bytes) as a little-endian uint32.
    return bytes((mac[5], mac[4], mac[3], 0)) if _ESP8266 else mac


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


class WDT:
    def __init__(self, id=0, timeout=None):
        if _ESP8266 and timeout is not None:
            # ESP8266's watchdog period is fixed: its WDT() takes no keyword arguments.
            raise TypeError("function doesn't take keyword arguments")
        _host.wdt_start(0 if _ESP8266 else (5000 if timeout is None else timeout))

    def feed(self):
        _host.wdt_feed()


class Pin:
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_UP = 2
    PULL_DOWN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self._id = id
        self._v = 0
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return self._v
        self._v = 1 if v else 0
        _host.pin(self._id, self._v)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3):
        return None


class ADC:
    ATTN_0DB = 0
    ATTN_11DB = 3
    WIDTH_12BIT = 3

    def __init__(self, pin, atten=None):
        self._pin = pin

    def atten(self, a):
        pass

    def width(self, w):
        pass

    def read(self):
        return 1024 if _ESP8266 else 2048

    def read_u16(self):
        return 32768

    def read_uv(self):
        return 1650000


class RTC:
    # The board's real-time clock: (year, month, day, weekday, hours, minutes, seconds, subseconds).
    def datetime(self, dt=None):
        if dt is None:
            t = time.gmtime()
            return (t[0], t[1], t[2], t[6], t[3], t[4], t[5], 0)
        secs = time.mktime((dt[0], dt[1], dt[2], dt[4], dt[5], dt[6], 0, 0))
        _host.rtc_set(secs)


def _missing(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError("machine.%s is not available on the virtual board" % name)
    return refuse


PWM = _missing("PWM")
I2C = _missing("I2C")
SoftI2C = _missing("SoftI2C")
SPI = _missing("SPI")
UART = _missing("UART")
Timer = _missing("Timer")
