# Virtual-board filesystem as the ESP ports' littlefs shows it: only the board's files (the
# interpreter's tmp/ home/ dev/ proc/ and the simulator's modules are hidden), the port's errno
# numbers, sizes in ilistdir(), stat() times on the board's clock, statvfs() and ENOSPC for a
# filesystem of the profile's size. Patched into the real `os` module and builtins.open.
import builtins
import os
import sys
import vfs

import _host
from _verrno import number, port_error

_HIDDEN = ("tmp", "home", "dev", "proc", "sim")
_BLOCK = 4096
_BLOCKS = _host.fs_bytes() // _BLOCK
_UNIX_2000 = 946684800
_real = {}
for _name in ("stat", "ilistdir", "mkdir", "rmdir", "remove", "unlink", "rename", "chdir", "getcwd"):
    _real[_name] = getattr(os, _name)
_open = builtins.open


def _absolute(path):
    # Normalised absolute path ("/", "/lib", …) of what the program named.
    if isinstance(path, bytes):
        path = path.decode()
    if not path.startswith("/"):
        path = _real["getcwd"]() + "/" + path
    parts = []
    for part in path.split("/"):
        if part == "..":
            parts = parts[:-1]
        elif part and part != ".":
            parts.append(part)
    return "/" + "/".join(parts)


def _hidden(path):
    return _absolute(path).split("/")[1] in _HIDDEN


def _missing():
    return OSError(number("ENOENT"))


def _guarded(name):
    real = _real[name]

    def call(*args):
        for arg in args[:2]:
            if isinstance(arg, (str, bytes)) and _hidden(arg):
                raise _missing()
        try:
            return real(*args)
        except OSError as e:
            raise port_error(e)
    return call


for _name in ("mkdir", "rmdir", "remove", "unlink", "rename", "chdir"):
    setattr(os, _name, _guarded(_name))
_stat_raw = _guarded("stat")


def _board_offset():
    # Host clock → board RTC: a file written now shows the board's time, as littlefs stamps it.
    return _host.now_s() - _host.rtc_s()


def _stat(path):
    st = _stat_raw(path)
    shift = _board_offset()
    mtime = max(0, st[8] - shift)
    return (st[0], 0, 0, 0, 0, 0, st[6] if st[0] & 0x8000 else 0, mtime, mtime, mtime)


def _ilistdir(path=""):
    base = _absolute(path or ".")
    if _hidden(base):
        raise _missing()
    try:
        entries = list(_real["ilistdir"](path or "."))
    except OSError as e:
        raise port_error(e)
    for entry in entries:
        name = entry[0]
        if base == "/" and (name if isinstance(name, str) else name.decode()) in _HIDDEN:
            continue
        size = 0
        if entry[1] == 0x8000:
            text = name if isinstance(name, str) else name.decode()
            size = _real["stat"](base.rstrip("/") + "/" + text)[6]
        yield (name, entry[1], 0, size)


def _listdir(path=""):
    return [e[0] for e in _ilistdir(path)]


def _used_blocks(path="/"):
    # littlefs: a metadata pair per directory, whole blocks per file.
    used = 2
    for name, kind, _, size in _ilistdir(path):
        full = path.rstrip("/") + "/" + name
        used += _used_blocks(full) if kind == 0x4000 else (size + _BLOCK - 1) // _BLOCK
    return used


def _statvfs(path="/"):
    if _hidden(path):
        raise _missing()
    free = max(0, _BLOCKS - _used_blocks())
    return (_BLOCK, _BLOCK, _BLOCKS, free, free, 0, 0, 0, 0, 255)


class _Writer:
    # A file open for writing that stops at the filesystem's free space (ENOSPC).
    def __init__(self, f, room):
        self._f = f
        self._room = room

    def write(self, data, *limit):
        n = len(data) if not limit else min(limit[0], len(data))
        if n > self._room:
            raise OSError(number("ENOSPC"))
        self._room -= n
        return self._f.write(data, *limit)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self._f.close()

    def __iter__(self):
        return iter(self._f)


def _open_board(path, mode="r", *args, **kwargs):
    if isinstance(path, (str, bytes)) and _hidden(path):
        raise _missing()
    try:
        f = _open(path, mode, *args, **kwargs)
    except OSError as e:
        raise port_error(e)
    if not isinstance(path, (str, bytes)) or not ("w" in mode or "a" in mode or "+" in mode):
        return f
    return _Writer(f, max(0, _BLOCKS - _used_blocks()) * _BLOCK)


os.stat = _stat
os.ilistdir = _ilistdir
os.listdir = _listdir
os.statvfs = _statvfs
builtins.open = _open_board


class _Lfs2:
    # What vfs.mount() lists at "/" on the ports (mpremote df prints it): littlefs v2.
    def __repr__(self):
        return "<VfsLfs2>"


class _VfsModule:
    def __init__(self, real):
        for name in dir(real):
            if not name.startswith("__") and name != "mount":
                setattr(self, name, getattr(real, name))
        self._real = real

    def mount(self, *args, **kwargs):
        if args or kwargs:
            return self._real.mount(*args, **kwargs)
        return [(_Lfs2(), path) if path == "/" else (fs, path) for fs, path in self._real.mount()]


sys.modules["vfs"] = _VfsModule(vfs)
