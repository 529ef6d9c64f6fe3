# mpy-iot (ESP32 family): runs first on every boot; main.py starts the device loop.
import gc

gc.collect()
