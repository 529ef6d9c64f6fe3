# Virtual-board `esp`.
import gc


def osdebug(level, *args):
    pass


def flash_size():
    return 4 * 1024 * 1024


def flash_id():
    return 0x1640EF


def freemem():
    return gc.mem_free()


def check_fw():
    return True
