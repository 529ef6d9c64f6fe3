# Virtual-board stand-ins for modules the board's firmware has and this simulator cannot provide:
# the import works, as on the board, and the first use raises an error that names the gap.
import sys

import _host


class _Missing:
    def __init__(self, name):
        self.__name__ = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise NotImplementedError("%s.%s is not available on the virtual board" % (self.__name__, attr))


def _refuse(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError("%s is not available on the virtual board" % name)
    return refuse


class _Hashlib:
    # The interpreter's hashlib has sha256 only; the ports also have sha1 and md5.
    def __init__(self, real):
        self.sha256 = real.sha256
        self.sha1 = _refuse("hashlib.sha1")
        self.md5 = _refuse("hashlib.md5")


def install():
    names = ["_thread", "btree", "cryptolib", "espnow", "webrepl"]
    if _host.chip() != "ESP8266":
        names.append("bluetooth")
    for name in names:
        sys.modules[name] = _Missing(name)
    import hashlib
    sys.modules["hashlib"] = _Hashlib(hashlib)
