// Benchmark: GC heap the device runtime needs on an ESP8266-like config. Prints figures; not a test.
//   node --import tsx bench/firmware-heap.ts [firmware dir, default firmware/]
//
// Every firmware module is compiled to .mpy (as `mpy-iot build` ships it to an ESP8266) and loaded into
// the MicroPython WebAssembly port, which has the ESP8266's object model (32-bit words, 16-byte GC
// blocks) and runs the same bytecode. Its heap is not limited to the board's 38 KiB (startMicroPython's
// heapBytes does not cap this build), so the figures are gc.mem_alloc() after a collect, counted from a
// baseline that already holds the fake hardware modules, config.py and this harness. Pass another
// firmware dir (e.g. a copy of an older firmware/) to compare.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compilePython } from '../tools/render/mpyCross.ts';
import { startMicroPython } from '../test/helpers/micropython.ts';
import { firmwareDir as defaultFirmwareDir, installFakes, type PyValue } from '../test/firmware/firmware-vm.ts';

const firmwareDir = path.resolve(process.argv[2] ?? defaultFirmwareDir);
const STEPS = 200;

// An ESP8266 classroom device: simulated sensor, seq + uptime, QoS 1, 10 buffered payloads, LED, watchdog.
// The short period makes the 50 ms loop publish every 4th step.
const esp8266: Record<string, PyValue> = {
  BOARD: 'esp8266',
  SENSOR: 'simulated',
  TEMP_SOURCE: null,
  EXTRAS: ['seq', 'uptime'],
  MQTT_QOS: 1,
  OFFLINE_BUFFER: 10,
  LED_PIN: 2,
  LED_ACTIVE_LOW: true,
  WDT_HAS_TIMEOUT: false,
  TELEMETRY_INTERVAL_MS: 200,
};

const sources = readdirSync(path.join(firmwareDir, 'mpyiot')).filter((f) => f.endsWith('.py')).sort();
const mpySizes: [string, number][] = [];
const mp = await startMicroPython();
for (const file of sources) {
  const devicePath = `lib/mpyiot/${file}`;
  const compiled = await compilePython(devicePath, readFileSync(path.join(firmwareDir, 'mpyiot', file), 'utf8'), { arch: 'xtensa' });
  if (!compiled.ok) throw new Error(`${devicePath}: ${JSON.stringify(compiled.errors)}`);
  mp.writeFile(`/${devicePath.replace(/\.py$/, '.mpy')}`, compiled.mpy);
  mpySizes.push([file.replace(/\.py$/, ''), compiled.mpy.length]);
}
installFakes(mp, esp8266);

// This WebAssembly build cannot scan the Wasm stack, so gc.collect() inside Python only marks a collection
// as pending; it runs when control returns to JavaScript. Hence one mp.run() per step, and every figure is
// read by a separate small run (whose own compile garbage is the same for the baseline and every figure).
// Everything the harness needs exists before the baseline is taken. The fakes' call logs are replaced by
// empty lists after each step so they do not grow. `probe` stands in for `gc` inside the runtime modules
// to read the heap just before the collect that ends each step (live data + that step's garbage).
mp.run(`
import gc, sys, time
import config, machine, network
import umqtt.simple as fake
clk = [1000]
hi = [0]
got = [0]
a = None


def ticks():
    return clk[0]


def sleep_ms(ms):
    clk[0] = time.ticks_add(clk[0], ms)


class Probe:
    def collect(self):
        hi[0] = max(hi[0], gc.mem_alloc())
        gc.collect()

    def mem_free(self):
        return gc.mem_free()


probe = Probe()


def loaded():
    return " ".join(sorted([m for m in sys.modules if m.startswith("mpyiot")]))


def patch():
    for name in sys.modules:
        m = sys.modules[name]
        if name.startswith("mpyiot") and getattr(m, "gc", None) is gc:
            m.gc = probe


def step():
    a.step()
    sleep_ms(50)
    fake.log = []
    machine.log = []
    patch()
    gc.collect()


def read():
    got[0] = gc.mem_alloc()
`);

/** Heap in use after a collect, read by a run of its own. */
function used(): number {
  mp.run('gc.collect()');
  mp.run('read()');
  return Number(mp.run('print(got[0])')[0]);
}

const base = used();
mp.run('from mpyiot import app\ngc.collect()');
const afterImport = used() - base;
const importLoaded = mp.run('print(loaded())')[0];
mp.run('a = app.App(config)\na.ticks = ticks\na.sleep_ms = sleep_ms\na.rand = lambda: 0.5\na.start()');
const afterStart = used() - base;

function steps(n: number): { last: number; min: number; max: number } {
  let min = Infinity;
  let max = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    mp.run('step()');
    mp.run('read()');
    last = Number(mp.run('print(got[0])')[0]) - base;
    min = Math.min(min, last);
    max = Math.max(max, last);
  }
  return { last, min, max };
}
// The first step connects (Wi-Fi, MQTT, birth); the others are the steady loop.
const peakOf = (): number => Number(mp.run('print(hi[0])\nhi[0] = 0')[0]) - base;
mp.run('patch()\nhi[0] = 0');
steps(1);
const connectPeak = peakOf();
const steady = steps(STEPS - 1);
const peak = peakOf();
const seq = mp.run('print(a.seq)')[0];

mp.run(`fake.inbox.append((b"$devices/dev1/commands", b'{"id": "s", "cmd": "status"}'))
fake.inbox.append((b"RESULT", b'{"group": "x", "message": "ok"}'))`);
const afterMessages = steps(8).last;
const messageLoaded = mp.run('print(loaded())')[0];
mp.run('fake.script["broken"] = True\nfake.script["fail_connects"] = 1000');
const offline = steps(60).last;
const buffered = mp.run('print(len(a.buf))')[0];

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`.padStart(8);
console.log(`firmware: ${path.relative(process.cwd(), firmwareDir) || '.'}  (ESP8266-like config, ${STEPS} loop steps, telemetry every 4th step)`);
console.log(`baseline (fakes + config + harness): ${kb(base)}  (gc.mem_alloc after a collect)`);
console.log('runtime heap above the baseline:');
console.log(`  after importing mpyiot.app   ${kb(afterImport)}  loaded: ${importLoaded}`);
console.log(`  after App.start()            ${kb(afterStart)}`);
console.log(`  steady (after each step)     ${kb(steady.last)}  (min ${kb(steady.min).trim()}, max ${kb(steady.max).trim()}; ${seq} payloads)`);
console.log(`  peak (before a step's gc)    ${kb(peak)}  (live data + one step's garbage)`);
console.log(`  peak in the connecting step  ${kb(connectPeak)}  (Wi-Fi + MQTT connect, birth, first payload)`);
console.log(`  after a command and a RESULT ${kb(afterMessages)}  loaded: ${messageLoaded}`);
console.log(`  offline, buffer full         ${kb(offline)}  (${buffered} payloads kept)`);
console.log('\n.mpy bytes per module (xtensa):');
for (const [name, bytes] of mpySizes) console.log(`  ${name.padEnd(10)} ${String(bytes).padStart(6)}`);
console.log(`  ${'total'.padEnd(10)} ${String(mpySizes.reduce((s, [, b]) => s + b, 0)).padStart(6)}`);
