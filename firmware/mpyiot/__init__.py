# mpy-iot device runtime: plain MicroPython modules shared by every board.
VERSION = "0.1.0"
