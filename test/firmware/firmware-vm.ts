// Boots the real MicroPython (WASM) with firmware/ on /lib and fake hardware modules on /fakes.
// The fakes (network, machine, esp32, umqtt.simple) exist only here, never in firmware/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMicroPython, type MicroPythonSession } from '../helpers/micropython.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const firmwareDir = path.join(root, 'firmware');
export const templatesDir = path.join(root, 'templates');

export type PyValue = string | number | boolean | null | PyValue[];

/** Encodes a JS value as a Python literal (arrays become tuples). */
export function py(value: PyValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return '(' + value.map(py).join(', ') + (value.length === 1 ? ',)' : ')');
}

export const baseConfig: Record<string, PyValue> = {
  NAME: 'board-1',
  BOARD: 'esp32',
  WIFI_SSID: 'lab-wifi',
  WIFI_PASSWORD: 'wifi-secret-123',
  WIFI_TIMEOUT_MS: 1000,
  MQTT_HOST: '127.0.0.1',
  MQTT_PORT: 1883,
  MQTT_TLS: false,
  MQTT_CLIENT_ID: 'mpy-{mac}',
  MQTT_USER: null,
  MQTT_PASSWORD: null,
  MQTT_KEEPALIVE_S: 60,
  MQTT_QOS: 1,
  TLS_CA: null,
  TLS_CERT: null,
  TLS_KEY: null,
  MAC_FORMAT: 'hex',
  DEVICE_ID: 'dev1',
  REGISTRY_ID: 'reg1',
  TELEMETRY_INTERVAL_MS: 5000,
  TELEMETRY_TOPICS: ['DATA/{mac}', '$devices/dev1/events'],
  STATUS_TOPIC: 'status/{mac}',
  STATUS_RETAIN: true,
  REPLY_TOPIC: '$devices/dev1/events/replies',
  STUDENTS: ['Иванов И.И'],
  GROUP: 'БАГ-18-01',
  SENSOR: 'simulated',
  SENSOR_PIN: null,
  TEMP_SOURCE: null,
  EXTRAS: ['seq', 'uptime', 'rssi', 'heap'],
  RESULT_TOPIC: 'RESULT',
  COMMAND_TOPICS: ['$devices/dev1/commands', '$registries/reg1/commands'],
  CONFIG_TOPIC: '$devices/dev1/config',
  LISTEN: ['news/#'],
  LED_PIN: 2,
  LED_ACTIVE_LOW: false,
  WATCHDOG_MS: 30000,
  WDT_HAS_TIMEOUT: true,
  OFFLINE_BUFFER: 5,
  MAX_COMMAND_BYTES: 512,
  BACKOFF_BASE_MS: 1000,
  BACKOFF_MAX_MS: 60000,
};

export function configPy(overrides: Record<string, PyValue> = {}): string {
  const all = { ...baseConfig, ...overrides };
  return Object.entries(all).map(([k, v]) => `${k} = ${py(v)}\n`).join('');
}

const FAKE_NETWORK = `
STA_IF = 0
AP_IF = 1
STAT_IDLE = 1000
STAT_CONNECTING = 1001
STAT_WRONG_PASSWORD = 202
STAT_NO_AP_FOUND = 201
STAT_GOT_IP = 1010
state = {"up": True, "status": STAT_GOT_IP, "mac": b"\\xaa\\xbb\\xcc\\x0d\\xee\\x0f", "connects": 0}


class WLAN:
    def __init__(self, i):
        self.i = i

    def active(self, on=None):
        return True

    def connect(self, ssid, key):
        state["connects"] += 1
        state["ssid"] = ssid

    def disconnect(self):
        pass

    def isconnected(self):
        return state["up"]

    def status(self, what=None):
        if what == "rssi":
            return -61
        return state["status"]

    def config(self, what):
        return state["mac"]

    def ifconfig(self):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
`;

const FAKE_MACHINE = `
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
SOFT_RESET = 5
log = []


class Reset(BaseException):
    pass


def reset():
    log.append(("reset",))
    raise Reset()


def reset_cause():
    return WDT_RESET


class Pin:
    OUT = 1

    def __init__(self, n, mode=None):
        self.n = n

    def value(self, v=None):
        log.append(("pin", self.n, v))


class WDT:
    def __init__(self, timeout=None):
        log.append(("wdt", timeout))

    def feed(self):
        log.append(("feed",))
`;

// Records every call with the Python type of each bytes-ish argument; scripted failures.
const FAKE_UMQTT = `
log = []
inbox = []
# refuse: topics the broker answers SUBACK 0x80 for; sub_errno: an OSError on every subscribe.
script = {"fail_connects": 0, "broken": False, "rc": 0, "refuse": (), "sub_errno": 0}


class MQTTException(Exception):
    pass


class Sock:
    def close(self):
        log.append(("sock.close",))


def _t(v):
    return type(v).__name__


class MQTTClient:
    def __init__(self, client_id, server, port=0, user=None, password=None, keepalive=0, ssl=None):
        self.sock = None
        self.cb = None
        log.append(("init", client_id, server, port, user, password, keepalive, ssl))

    def set_callback(self, f):
        self.cb = f

    def set_last_will(self, topic, msg, retain=False, qos=0):
        log.append(("will", topic, msg, retain, qos, _t(topic), _t(msg)))

    def connect(self, clean_session=True):
        log.append(("connect", clean_session))
        if script["fail_connects"] > 0:
            script["fail_connects"] -= 1
            raise OSError(113)
        if script["rc"]:
            raise MQTTException(script["rc"])
        self.sock = Sock()
        return 0

    def _io(self):
        if script["broken"]:
            raise OSError(-1)

    def subscribe(self, topic, qos=0):
        self._io()
        if script["sub_errno"]:
            raise OSError(script["sub_errno"])
        if topic in script["refuse"]:
            raise MQTTException(0x80)
        log.append(("subscribe", topic, qos, _t(topic)))

    def publish(self, topic, msg, retain=False, qos=0):
        self._io()
        log.append(("publish", topic, msg, retain, qos, _t(topic), _t(msg)))

    def ping(self):
        self._io()
        log.append(("ping",))

    def check_msg(self):
        self._io()
        if inbox:
            t, m = inbox.pop(0)
            self.cb(t, m)
            return 0x30
        return None

    def disconnect(self):
        log.append(("disconnect",))
`;

export interface FirmwareVm extends MicroPythonSession {
  /** Runs code and returns the printed lines. */
  py(code: string): string[];
}

/** A fresh interpreter: firmware on /lib, fakes on /fakes, config.py (baseConfig + overrides) on /. */
export async function startFirmware(overrides: Record<string, PyValue> = {}): Promise<FirmwareVm> {
  const mp = await startMicroPython();
  mp.mount(firmwareDir, '/lib');
  installFakes(mp, overrides);
  return { ...mp, py: (code: string) => mp.run(code) };
}

/** Writes the fake hardware modules to /fakes and config.py to /, and puts /lib and /fakes on sys.path. */
export function installFakes(mp: MicroPythonSession, overrides: Record<string, PyValue> = {}): void {
  mp.writeFile('/fakes/network.py', FAKE_NETWORK);
  mp.writeFile('/fakes/machine.py', FAKE_MACHINE);
  mp.writeFile('/fakes/umqtt/__init__.py', '');
  mp.writeFile('/fakes/umqtt/simple.py', FAKE_UMQTT);
  mp.writeFile('/config.py', configPy(overrides));
  mp.run('import sys\nif "/lib" not in sys.path: sys.path.append("/lib")\nsys.path.append("/fakes")');
}

/** Python prelude: an App on a fake clock (no real sleeping: this port busy-waits). */
export const APP_PRELUDE = `
import time, config, machine, network
import umqtt.simple as fake
from mpyiot.app import App
clk = [1000]
def ticks():
    return clk[0]
def sleep_ms(ms):
    clk[0] = time.ticks_add(clk[0], ms)
a = App(config)
a.ticks = ticks
a.sleep_ms = sleep_ms
a.rand = lambda: 0.5
a.start()
`;
