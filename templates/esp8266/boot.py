# mpy-iot (ESP8266): runs first on every boot; main.py starts the device loop.
import gc

import esp
import network

esp.osdebug(None)  # no vendor debug output on the REPL UART
network.WLAN(network.AP_IF).active(False)  # the access point is on by default: free its RAM
gc.collect()
