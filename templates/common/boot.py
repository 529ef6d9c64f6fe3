# mpy-iot: runs first on every boot; main.py starts the device loop.
import gc

gc.collect()
