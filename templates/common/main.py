# mpy-iot: runs the device loop with this device's generated config.py.
import config
from mpyiot import app

app.main(config)
