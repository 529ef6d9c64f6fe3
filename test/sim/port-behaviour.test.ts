// The same MicroPython snippets on a virtual ESP32 and ESP8266 must give the ESP ports' answers
// (taken from the MicroPython sources: ports/esp32, ports/esp8266, py/mperrno.h, ESP-IDF newlib
// errno.h, the SDK's rst_info reasons). A program that passes here behaves the same on the board.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ReplClient } from '../../tools/repl/client.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { startAedes } from '../helpers/brokers.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

interface Port {
  board: 'esp32' | 'esp8266';
  heapBytes: number;
  fsBlocks: number;
  mpyArch: number;
  errno: { ENOENT: number; EEXIST: number; ENOTEMPTY: number; ETIMEDOUT: number; EINPROGRESS: number; ENOSPC: number };
  dnsFailure: number;
  reset: { powerOn: number; afterCtrlD: number; machineReset: number; resetPin: number };
  machine: string;
}

const PORTS: Port[] = [
  {
    board: 'esp32',
    heapBytes: 111168,
    fsBlocks: 512,
    mpyArch: 10,
    // ESP-IDF's newlib numbers.
    errno: { ENOENT: 2, EEXIST: 17, ENOTEMPTY: 90, ETIMEDOUT: 116, EINPROGRESS: 119, ENOSPC: 28 },
    dnsFailure: -202,
    reset: { powerOn: 1, afterCtrlD: 5, machineReset: 5, resetPin: 1 },
    machine: 'Generic ESP32 module with ESP32',
  },
  {
    board: 'esp8266',
    heapBytes: 38912,
    fsBlocks: 256,
    mpyArch: 9,
    // MicroPython's internal (Linux) numbers.
    errno: { ENOENT: 2, EEXIST: 17, ENOTEMPTY: 39, ETIMEDOUT: 110, EINPROGRESS: 115, ENOSPC: 28 },
    dnsFailure: -2,
    // rst_info reasons: power-on 0, soft restart 4, external reset pin 6; a soft reboot keeps the last one.
    reset: { powerOn: 0, afterCtrlD: 0, machineReset: 4, resetPin: 6 },
    machine: 'ESP module with ESP8266',
  },
];

for (const port of PORTS) {
  describe(`MicroPython on a virtual ${port.board} answers as the ${port.board} port`, () => {
    let board: VirtualBoard;
    let repl: ReplClient;
    let broker: Awaited<ReturnType<typeof startAedes>>;
    let server: net.Server;
    const received: Buffer[] = [];
    const py = (code: string): Promise<string> => repl.run(code);
    const lines = async (code: string): Promise<string[]> => (await py(code)).trim().split(/\r?\n/);

    before(async () => {
      broker = await startAedes();
      server = net.createServer((s) => s.on('data', (d) => received.push(d)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const project = await buildLab({ brokerUrl: broker.url, devices: [{ name: `pb-${port.board}`, board: port.board, telemetry: { sensor: 'simulated' } }] });
      board = await bootBoard(project, `pb-${port.board}`, { blank: true });
      repl = new ReplClient(boardTransport(board));
      await repl.enterRaw();
    });
    after(async () => {
      repl.close();
      await board.stop();
      await broker.stop();
      server.close();
    });

    test('identity: sys.platform, os.uname(), sys.implementation', async () => {
      const out = await lines(`import sys, os
print(sys.platform)
print(os.uname().sysname, os.uname().machine == sys.implementation._machine)
print(sys.implementation._machine)
print(sys.implementation._mpy >> 10, sys.implementation._mpy & 0xff)
print(sys.path)`);
      assert.deepEqual(out, [port.board, `${port.board} True`, port.machine, `${port.mpyArch} 6`, "['', '.frozen', '/lib']"]);
    });

    test('ssl: mbedTLS on the ESP32 checks the broker with a CA; axTLS on the ESP8266 cannot (CERT_NONE only)', async () => {
      const out = await lines(`import ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
print(hasattr(ctx, 'load_verify_locations'), hasattr(ssl, 'CERT_REQUIRED'), hasattr(ctx, 'load_cert_chain'))`);
      assert.deepEqual(out, [port.board === 'esp8266' ? 'False False True' : 'True True True']);
    });

    test("heap: the profile's size, MemoryError beyond it, garbage collected while a program runs", async () => {
      const out = await lines(`import gc, time
gc.collect()
print(gc.mem_free() <= ${port.heapBytes}, gc.mem_free() > ${port.heapBytes} * 0.8)
try:
    b = bytearray(10 * 1024 * 1024)
    print('10 MiB allocated')
except MemoryError:
    print('MemoryError')
try:
    b = bytearray(${port.heapBytes + 4096})
    time.sleep_ms(1)
    print('oversized kept')
except MemoryError:
    print('MemoryError')
b = None
for i in range(400):
    x = bytearray(4000)
    time.sleep_ms(0)
print('4 MB of garbage later', gc.mem_free() > 0)
# A sleep inside a generator that list() consumes: the new list is held only by C code there, so
# no collection may run at that sleep (it would free the list being filled).
def gen(n):
    for i in range(n):
        time.sleep_ms(0)
        yield ('%d' % i) * 20
for i in range(60):
    x = bytearray(1000)
parts = list(gen(300))
print(all(p == ('%d' % i) * 20 for i, p in enumerate(parts)))
parts = None
gc.collect()
print(gc.mem_alloc() < ${port.heapBytes})`);
      assert.deepEqual(out, ['True True', 'MemoryError', 'MemoryError', '4 MB of garbage later True', 'True', 'True']);
    });

    test("errno: the port's numbers from the filesystem and the errno module", async () => {
      const out = await lines(`import errno, os
def code(f, *a):
    try:
        f(*a)
    except OSError as e:
        return e.errno
print(code(open, '/missing'), errno.ENOENT, code(open, '/missing') == errno.ENOENT)
os.mkdir('d')
open('d/f', 'w').write('x')
print(code(os.mkdir, 'd'), code(os.rmdir, 'd'), getattr(errno, 'ETIMEDOUT'), getattr(errno, 'EINPROGRESS'))
print(hasattr(errno, 'ENOTEMPTY'), errno.errorcode[errno.EEXIST])
os.remove('d/f')
os.rmdir('d')`);
      const e = port.errno;
      assert.deepEqual(out, [`${e.ENOENT} 2 True`, `${e.EEXIST} ${e.ENOTEMPTY} ${e.ETIMEDOUT} ${e.EINPROGRESS}`, 'False EEXIST']);
    });

    test('clock: int time() on the 2000 epoch, near 0 until ntptime sets it; real ticks_us, ticks_cpu, sleep_us', async () => {
      // ticks are the host's wall clock: a 20 ms sleep reads 20 000 µs, more when a loaded host
      // leaves the board's thread waiting for a CPU. Under 1 s still tells µs from ms or ns.
      const out = await lines(`import time
print(type(time.time()).__name__, time.time() < 600, time.localtime()[0], time.gmtime(0)[:3], time.mktime((2000, 1, 2, 0, 0, 0, 0, 0)))
t = time.ticks_us(); c = time.ticks_cpu(); time.sleep_ms(20); d = time.ticks_diff(time.ticks_us(), t)
print(19000 <= d < 1000000, time.ticks_diff(time.ticks_cpu(), c) > 1000000)
t = time.ticks_us(); time.sleep_us(500); print(time.ticks_diff(time.ticks_us(), t) >= 500)
import ntptime
ntptime.settime()
print(time.time())`);
      assert.deepEqual(out.slice(0, 3), ['int True 2000 (2000, 1, 1) 86400', 'True True', 'True']);
      assert.ok(Math.abs(Number(out[3]) - (Date.now() / 1000 - 946684800)) < 5, `after NTP, time.time() ${out[3]} is seconds since 2000`);
    });

    test("filesystem: only the board's files, real sizes, littlefs statvfs of the profile's size, ENOSPC", async () => {
      const out = await lines(`import os, time
print(os.listdir('/'))
open('a.txt', 'w').write('hello')
print(list(os.ilistdir('/')), os.stat('a.txt')[6], time.localtime(os.stat('a.txt')[8])[0] == time.localtime()[0])
s = os.statvfs('/')
print(s[0], s[1], s[2], s[3] < s[2])
def code(f, *a):
    try:
        f(*a)
    except OSError as e:
        return e.errno
print(code(os.listdir, '/sim'), code(os.listdir, '/tmp'))
f = open('big.bin', 'wb')
try:
    for i in range(${port.fsBlocks + 1}):
        f.write(bytes(4096))
except OSError as e:
    print('full', e.errno)
f.close()
os.remove('big.bin')
os.remove('a.txt')`);
      assert.deepEqual(out, ['[]', "[('a.txt', 32768, 0, 5)] 5 True", `4096 4096 ${port.fsBlocks} True`, `${port.errno.ENOENT} ${port.errno.ENOENT}`, `full ${port.errno.ENOSPC}`]);
    });

    test('console: input() and sys.stdin read the serial port', async () => {
      // Typed once the program asks (its prompt is on the wire), not after a fixed wait: on a
      // loaded host the script may still be in transit then, and the typing would land in it.
      let printed = '';
      const prompted = new Promise<void>((resolve) => {
        const onUart = (bytes: Uint8Array): void => {
          printed += Buffer.from(bytes).toString('latin1');
          if (!printed.includes('name? ')) return;
          board.off('uart', onUart);
          resolve();
        };
        board.on('uart', onUart);
      });
      const pending = repl.exec(`import sys
name = input('name? ')
print('hello', name)
print(repr(sys.stdin.read(3)), repr(sys.stdin.buffer.read(2)))`);
      await prompted;
      board.write('Ann\rxyz\x00\x01');
      const result = await pending;
      assert.equal(result.stderr, '');
      assert.deepEqual(result.stdout.trim().split(/\r?\n/).slice(-2), ['hello Ann', "'xyz' b'\\x00\\x01'"]);
    });

    test('friendly REPL: auto-indent after a colon, paste mode (Ctrl-E) runs code as pasted', async () => {
      await repl.exitRaw();
      const typed = async (text: string, expect: RegExp): Promise<void> => {
        const seen = board.waitForLine(expect, 5000);
        board.write(text);
        await seen;
      };
      // As a user types it: no indentation of their own, the REPL supplies it.
      await typed('if True:\rprint("auto" + "indent")\r\r', /^autoindent$/);
      await typed('\x05def f():\r    return 6 * 7\rprint("pasted", f())\r\x04', /^pasted 42$/);
      await repl.enterRaw();
    });

    test('sockets: DNS failure errno, non-blocking connect with EINPROGRESS and poll, write(buf, n), timeout errno', async () => {
      const { port: tcp } = server.address() as net.AddressInfo;
      const out = await lines(`import socket, select, network, time, errno
w = network.WLAN(network.STA_IF)
w.active(True)
w.connect('lab-wifi', 'lab-password')
while not w.isconnected():
    time.sleep_ms(20)
try:
    socket.getaddrinfo('no-such-host.invalid', 80)
except OSError as e:
    print('dns', e.args[0])
s = socket.socket()
s.setblocking(False)
try:
    s.connect(('127.0.0.1', ${tcp}))
except OSError as e:
    print('connect', e.errno, e.errno == errno.EINPROGRESS)
p = select.poll()
p.register(s, select.POLLOUT)
print('poll', [ev for _, ev in p.poll(2000)])
s.setblocking(True)
print('wrote', s.write(b'hello world', 5))
s.settimeout(0.2)
try:
    s.recv(10)
except OSError as e:
    print('timeout', e.errno, e.errno == errno.ETIMEDOUT, e.errno != errno.ETIMEDOUT)
s.close()`);
      assert.deepEqual(out, [`dns ${port.dnsFailure}`, `connect ${port.errno.EINPROGRESS} True`, 'poll [4]', 'wrote 5', `timeout ${port.errno.ETIMEDOUT} True False`]);
      assert.equal(Buffer.concat(received).toString(), 'hello');
    });

    test('an MQTT client written from the spec (write(buf, n), setblocking, poll) publishes through the broker', async () => {
      const { port: mqttPort } = new URL(broker.url);
      await py(`import socket, select
def remaining(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | 0x80 if n else b)
        if not n:
            return out
s = socket.socket()
s.connect(socket.getaddrinfo('127.0.0.1', ${mqttPort})[0][-1])
body = b'\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x04spec'
pkt = bytearray(b'\\x10') + remaining(len(body)) + body
s.write(pkt, len(pkt))
s.setblocking(False)
p = select.poll()
p.register(s, select.POLLIN)
assert p.poll(3000), 'no CONNACK'
assert s.read(4) == b'\\x20\\x02\\x00\\x00'
topic, msg = b'spec/test', b'21.5'
pkt = bytearray(b'\\x30') + remaining(2 + len(topic) + len(msg)) + len(topic).to_bytes(2, 'big') + topic + msg
s.setblocking(True)
s.write(pkt + b'padding', len(pkt))
s.write(b'\\xe0\\x00')
s.close()`);
      await until(() => broker.published.some((m) => m.topic === 'spec/test'), 'spec/test at the broker');
      assert.equal(broker.published.find((m) => m.topic === 'spec/test')?.payload.toString(), '21.5');
    });

    test('modules the simulator cannot provide import as on the board and fail by name on use', async () => {
      const out = await lines(`import machine, _thread, hashlib, neopixel
for use in (lambda: machine.Timer(0), lambda: _thread.start_new_thread(print, ()), lambda: hashlib.sha1(b'')):
    try:
        use()
    except NotImplementedError as e:
        print(e)
print(len(hashlib.sha256(b'abc').digest()))
np = neopixel.NeoPixel(machine.Pin(4), 2)
np[1] = (1, 2, 3)
np.write()
print(np[1], bytes(np.buf))`);
      assert.deepEqual(out, [
        'machine.Timer is not available on the virtual board',
        '_thread.start_new_thread is not available on the virtual board',
        'hashlib.sha1 is not available on the virtual board',
        '32',
        "(1, 2, 3) b'\\x00\\x00\\x00\\x02\\x01\\x03'",
      ]);
    });

    test('asyncio as on the ports: gather, sleep_ms, a stream over real TCP, wait_for timing out', async () => {
      const { port: mqttPort } = new URL(broker.url);
      const out = await lines(`import asyncio, time
async def tick(n, out):
    for i in range(3):
        await asyncio.sleep_ms(30)
        out.append(n)
async def main():
    out = []
    t = time.ticks_ms()
    await asyncio.gather(tick(1, out), tick(2, out))
    took = time.ticks_diff(time.ticks_ms(), t)
    r, w = await asyncio.open_connection('127.0.0.1', ${mqttPort})
    w.write(b'\\x10\\x10\\x00\\x04MQTT\\x04\\x02\\x00\\x3c\\x00\\x04asyn')
    await w.drain()
    ack = await r.readexactly(4)
    w.close()
    try:
        await asyncio.wait_for(asyncio.sleep(1), 0.05)
    except asyncio.TimeoutError:
        return out, 80 <= took < 1000, ack, 'timed out'
print(asyncio.run(main()))`);
      assert.deepEqual(out, ["([1, 2, 1, 2, 1, 2], True, b' \\x02\\x00\\x00', 'timed out')"]);
    });

    test('reset causes per chip; a chip reset drops Wi-Fi, a soft reboot keeps it', async () => {
      const cause = async (): Promise<number> => Number((await py('import machine\nprint(machine.reset_cause())')).trim());
      assert.equal(await cause(), port.reset.powerOn);
      await py(`import network, time
w = network.WLAN(network.STA_IF)
w.active(True)
w.connect('lab-wifi', 'lab-password')
while not w.isconnected():
    time.sleep_ms(20)`);
      await repl.softReset();
      assert.equal(await cause(), port.reset.afterCtrlD);
      assert.equal((await py('import network\nw = network.WLAN(network.STA_IF)\nw.active(True)\nprint(w.isconnected())')).trim(), 'True');
      const rebooted = new Promise((resolve) => board.once('reset', resolve));
      void repl.exec('import machine\nmachine.reset()').catch(() => undefined);
      await rebooted;
      repl.close();
      repl = new ReplClient(boardTransport(board));
      await repl.enterRaw();
      assert.equal(await cause(), port.reset.machineReset);
      assert.equal((await py('import network\nw = network.WLAN(network.STA_IF)\nw.active(True)\nprint(w.isconnected())')).trim(), 'False');
      const pinned = new Promise((resolve) => board.once('reset', resolve));
      board.hardReset();
      await pinned;
      repl.close();
      repl = new ReplClient(boardTransport(board));
      await repl.enterRaw();
      assert.equal(await cause(), port.reset.resetPin);
    });
  });
}
