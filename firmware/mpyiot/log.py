# Console lines: "[mpy-iot] <LEVEL> <component> <message>", one line per event.
# Never pass secrets here.
NAMES = ("DEBUG", "INFO", "WARN", "ERROR")
level = 1  # lines below this index in NAMES are not printed


def log(lvl, comp, msg):
    if lvl >= level:
        print("[mpy-iot]", NAMES[lvl], comp, str(msg).replace("\r", " ").replace("\n", " "))


def debug(comp, msg):
    log(0, comp, msg)


def info(comp, msg):
    log(1, comp, msg)


def warn(comp, msg):
    log(2, comp, msg)


def error(comp, msg):
    log(3, comp, msg)


def exc(e):
    # "OSError: [Errno 113] EHOSTUNREACH"
    s = str(e)
    return type(e).__name__ + (": " + s if s else "")
