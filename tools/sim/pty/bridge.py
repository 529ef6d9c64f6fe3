# Exposes a byte stream on a pseudo-terminal, so any serial tool can open a virtual board.
# Prints the terminal's path on the first line, then copies bytes between the PTY and this
# process's stdin/stdout until stdin closes (the simulator stopped the board).
import os
import pty
import select
import sys
import tty


def main():
    master, slave = pty.openpty()
    # Raw mode: no echo, no line editing, no CR/LF translation - a serial line, byte for byte.
    tty.setraw(slave)
    sys.stdout.write(os.ttyname(slave) + "\n")
    sys.stdout.flush()
    stdin = sys.stdin.fileno()
    stdout = sys.stdout.fileno()
    while True:
        ready, _, _ = select.select([master, stdin], [], [])
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
