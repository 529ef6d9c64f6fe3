# Virtual-board identity and console, as on the ESP ports: `sys` (platform, implementation, a
# stdin/stdout on the serial port), `os.uname()`, `micropython.kbd_intr()` and `input()`.
# `sys` and `micropython` are read-only in this interpreter, so these modules stand in for them in
# sys.modules (which `import` consults first).
import builtins
from binascii import hexlify
import micropython as _micropython
import os
import sys as _sys

import _host
import _vheap

_CHIP = _host.chip()
_ESP8266 = _CHIP == "ESP8266"
_PORT = "esp8266" if _ESP8266 else "esp32"
_NAME = _CHIP.replace("-", "")
_MACHINE = "ESP module with ESP8266" if _ESP8266 else "Generic %s module with %s" % (_NAME, _NAME)
# sys.implementation._mpy: bytecode v6.3 and the native architecture of the chip.
_ARCH = {"ESP8266": 9, "ESP32": 10, "ESP32-S2": 10, "ESP32-S3": 10, "ESP32-C3": 11}
# The version the flashed image carries, as its banner says ("v1.24.1 on 2024-11-29").
_FIRMWARE = _host.firmware()
_VERSION = _FIRMWARE.split(" ")[0].lstrip("v")
_VERSION_TUPLE = tuple(int(x) for x in _VERSION.split("-")[0].split(".")[:3]) + ("",)

for _name in dir(_sys):
    if not _name.startswith("__"):
        globals()[_name] = getattr(_sys, _name)


class _Implementation:
    name = "micropython"
    version = _VERSION_TUPLE
    _machine = _MACHINE
    _mpy = 6 | (3 << 8) | (_ARCH.get(_CHIP, 10) << 10)
    _build = ("%s_GENERIC" % _NAME) if not _ESP8266 else "ESP8266_GENERIC"

    def __repr__(self):
        return "(name='micropython', version=%r, _machine='%s', _mpy=%d, _build='%s')" % (
            self.version, self._machine, self._mpy, self._build)


platform = _PORT
implementation = _Implementation()


class _UnameResult:
    sysname = _PORT
    nodename = _PORT
    release = _VERSION
    version = _FIRMWARE
    machine = _MACHINE

    def __getitem__(self, i):
        return (self.sysname, self.nodename, self.release, self.version, self.machine)[i]

    def __repr__(self):
        return "(sysname='%s', nodename='%s', release='%s', version='%s', machine='%s')" % tuple(
            self[i] for i in range(5))


def _uname():
    return _UnameResult()


class _RawIn:
    # Bytes from the serial port, as sys.stdin.buffer reads them on the board.
    _uart = True

    def read(self, n=-1):
        return _read(n)

    def readinto(self, buf, n=None):
        data = _read(len(buf) if n is None else n)
        buf[:len(data)] = data
        return len(data)


def _read(n):
    out = b""
    want = 1 << 30 if n is None or n < 0 else n
    while len(out) < want:
        _vheap.check()
        out += bytes(_host.uart_read(want - len(out)))
    return out


class _Stdin:
    _uart = True
    buffer = _RawIn()

    def read(self, n=-1):
        return _read(n).decode().replace("\r", "\n")

    def readinto(self, buf, n=None):
        return self.buffer.readinto(buf, n)

    def readline(self):
        line = b""
        while not line.endswith(b"\n"):
            c = _read(1)
            line += b"\n" if c == b"\r" else c
        return line.decode()


class _RawOut:
    def write(self, data, n=None):
        data = data if n is None else memoryview(data)[:n]
        _host.uart_write(hexlify(data).decode(), 0)
        return len(data)


class _Stdout:
    buffer = _RawOut()

    def write(self, text):
        # Text output is "cooked" as on the port's UART: \n goes out as \r\n.
        data = text.encode() if isinstance(text, str) else bytes(text)
        _host.uart_write(hexlify(data).decode(), 1)
        return len(text)

    def flush(self):
        pass


stdin = _Stdin()
stdout = _Stdout()
stderr = stdout


def _input(prompt=""):
    # Line entry as on the port's readline: echo, backspace, Ctrl-C raises, Ctrl-D on an empty line.
    stdout.write(prompt)
    line = b""
    while True:
        c = _read(1)
        if c in (b"\r", b"\n"):
            stdout.write("\n")
            return line.decode()
        if c == b"\x03":
            raise KeyboardInterrupt
        if c == b"\x04" and not line:
            raise EOFError
        if c in (b"\x08", b"\x7f"):
            if line:
                line = line[:-1]
                _host.uart_write("082008", 0)
            continue
        line += c
        _host.uart_write(hexlify(c).decode(), 0)


class _MicroPython:
    pass


micropython = _MicroPython()
for _name in dir(_micropython):
    if not _name.startswith("__"):
        setattr(micropython, _name, getattr(_micropython, _name))
micropython.kbd_intr = _host.kbd_intr


def _alloc_emergency_exception_buf(size):
    # The ports reserve it for exceptions raised in interrupt handlers; nothing to reserve here.
    pass


micropython.alloc_emergency_exception_buf = _alloc_emergency_exception_buf


def install():
    me = _sys.modules[__name__]
    _sys.modules["sys"] = me
    _sys.modules["micropython"] = micropython
    os.uname = _uname
    builtins.input = _input
