# Virtual-board `errno`: the numbers of the board's port, not the interpreter's (Emscripten's).
# ESP32 builds use ESP-IDF's newlib errno.h (ETIMEDOUT 116, ENOTEMPTY 90); the ESP8266 port uses
# MicroPython's internal table (py/mperrno.h, Linux numbering: ETIMEDOUT 110, ENOTEMPTY 39).
import errno as _interpreter

import _host

_COMMON = {
    "EPERM": 1, "ENOENT": 2, "EIO": 5, "EBADF": 9, "EAGAIN": 11, "ENOMEM": 12, "EACCES": 13,
    "EEXIST": 17, "ENODEV": 19, "ENOTDIR": 20, "EISDIR": 21, "EINVAL": 22, "ENOSPC": 28, "EROFS": 30,
    "ECONNRESET": 104, "ENOBUFS": 105, "EOPNOTSUPP": 95, "ECONNREFUSED": 111,
}
if _host.chip() == "ESP8266":
    _PORT = {
        "EADDRINUSE": 98, "ECONNABORTED": 103, "EISCONN": 106, "ENOTCONN": 107, "ETIMEDOUT": 110,
        "EHOSTUNREACH": 113, "EALREADY": 114, "EINPROGRESS": 115, "ENOTEMPTY": 39, "ENAMETOOLONG": 36,
    }
else:
    _PORT = {
        "EADDRINUSE": 112, "ECONNABORTED": 113, "EISCONN": 127, "ENOTCONN": 128, "ETIMEDOUT": 116,
        "EHOSTUNREACH": 118, "EALREADY": 120, "EINPROGRESS": 119, "ENOTEMPTY": 90, "ENAMETOOLONG": 91,
    }
_ALL = dict(_COMMON)
_ALL.update(_PORT)

# What `import errno` offers on the ports (MicroPython's default MICROPY_PY_ERRNO_LIST).
_LISTED = ("EPERM", "ENOENT", "EIO", "EBADF", "EAGAIN", "ENOMEM", "EACCES", "EEXIST", "ENODEV",
           "EISDIR", "EINVAL", "EOPNOTSUPP", "EADDRINUSE", "ECONNABORTED", "ECONNRESET", "ENOBUFS",
           "ENOTCONN", "ETIMEDOUT", "ECONNREFUSED", "EHOSTUNREACH", "EALREADY", "EINPROGRESS")
errorcode = {}
for _name in _LISTED:
    globals()[_name] = _ALL[_name]
    errorcode[_ALL[_name]] = _name

# Emscripten's numbers, as the interpreter's filesystem raises them.
_EMSCRIPTEN = {2: "EACCES", 6: "EAGAIN", 8: "EBADF", 10: "EBUSY", 20: "EEXIST", 28: "EINVAL",
               29: "EIO", 31: "EISDIR", 37: "ENAMETOOLONG", 44: "ENOENT", 48: "ENOMEM", 51: "ENOSPC",
               54: "ENOTDIR", 55: "ENOTEMPTY", 63: "EPERM", 69: "EROFS"}


class _Errno(int):
    # The interpreter folds `errno.X` in source to its own (Linux) number at compile time, so the
    # idiom `e.errno == errno.ETIMEDOUT` meets 110 where the ESP32 raises 116: equal to both.
    def __eq__(self, other):
        return int(self) == other or other == _FOLDED.get(int(self))

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return int(self)


_FOLDED = {}
for _name in _LISTED:
    if getattr(_interpreter, _name) != _ALL[_name]:
        _FOLDED[_ALL[_name]] = getattr(_interpreter, _name)


def number(name):
    n = _ALL.get(name, _ALL["EIO"])
    return _Errno(n) if n in _FOLDED else n


def port_error(error):
    # The same failure with the port's errno (an OSError from the interpreter's filesystem).
    code = error.errno if isinstance(error, OSError) else None
    if not isinstance(code, int):
        return error
    return OSError(number(_EMSCRIPTEN.get(code, "EIO")))
