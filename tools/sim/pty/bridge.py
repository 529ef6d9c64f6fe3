# Exposes a byte stream on a pseudo-terminal, so any serial tool can open a virtual board.
# Prints the terminal's path on the first line, then copies bytes between the PTY and this
# process's stdin/stdout until stdin closes (the simulator stopped the board). The baud rate the
# tool sets on the terminal (termios) goes to fd 3 as "baud N" lines, so the far end can pace
# its bytes at that speed and notice a mismatch, as a UART would.
import os
import pty
import select
import sys
import termios
import tty

SPEEDS = {
    getattr(termios, name): int(name[1:]) for name in dir(termios) if name[:1] == "B" and name[1:].isdigit()
}


def speed(fd):
    try:
        return SPEEDS.get(termios.tcgetattr(fd)[5])
    except termios.error:
        return None


def main():
    master, slave = pty.openpty()
    # Raw mode: no echo, no line editing, no CR/LF translation - a serial line, byte for byte.
    tty.setraw(slave)
    sys.stdout.write(os.ttyname(slave) + "\n")
    sys.stdout.flush()
    stdin = sys.stdin.fileno()
    stdout = sys.stdout.fileno()
    try:
        control = os.fdopen(3, "w", buffering=1)
    except OSError:
        control = None
    reported = None
    while True:
        # Poll the slave's speed often: a tool changes it, then talks at once.
        ready, _, _ = select.select([master, stdin], [], [], 0.005)
        now = speed(slave)
        if control is not None and now is not None and now != reported:
            reported = now
            control.write("baud %d\n" % now)
        if master in ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                data = b""
            if data:
                os.write(stdout, data)
        if stdin in ready:
            data = os.read(stdin, 4096)
            if not data:
                return
            os.write(master, data)


if __name__ == "__main__":
    main()
