import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BindingInterface, SetOptions } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { DeviceError } from '../../tools/errors.ts';
import { EspResetDecoder, type EspResetEvent } from '../../tools/serial/espReset.ts';
import { createSerialLink, openSerialLink, SerialDisconnectedError, type SerialLink } from '../../tools/serial/link.ts';
import { createVirtualPort, removeVirtualPort, VirtualBinding, type SerialFarEnd } from '../../tools/serial/virtualBinding.ts';
import { runnableClock } from '../helpers/clock.ts';
import { EchoDevice, uniquePath } from './farEnds.ts';

/** VirtualBinding with every port's set() recorded, to see what actually reaches the "driver". */
function spyingBinding(): { binding: BindingInterface; setCalls: SetOptions[] } {
  const setCalls: SetOptions[] = [];
  const binding: BindingInterface = {
    list: () => VirtualBinding.list(),
    async open(options) {
      const port = await VirtualBinding.open(options);
      const set = port.set.bind(port);
      port.set = (flags) => {
        setCalls.push({ ...flags });
        return set(flags);
      };
      return port;
    },
  };
  return { binding, setCalls };
}

function collect(link: SerialLink): { bytes: () => Buffer; until: (n: number) => Promise<void> } {
  const chunks: Buffer[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  link.on('data', (chunk) => {
    chunks.push(Buffer.from(chunk));
    if (waiter && Buffer.concat(chunks).length >= waiter.n) waiter.resolve();
  });
  return {
    bytes: () => Buffer.concat(chunks),
    until: (n) => (Buffer.concat(chunks).length >= n ? Promise.resolve() : new Promise((resolve) => (waiter = { n, resolve }))),
  };
}

describe('openSerialLink over VirtualBinding', () => {
  it('writes, receives, reports info and closes once', async () => {
    const path = uniquePath('link');
    const device = new EchoDevice();
    createVirtualPort(path, device, { vendorId: '1A86', productId: '7523' });
    const link = createSerialLink(path, { baudRate: 115200, binding: VirtualBinding });
    const received = collect(link);
    const closes: unknown[] = [];
    link.on('close', (error) => closes.push(error));
    await link.open();
    assert.equal(link.isOpen, true);
    assert.deepEqual(link.info, { vendorId: '1a86', productId: '7523', manufacturer: undefined, serialNumber: undefined });
    await link.write(new TextEncoder().encode('print(1)\r\n'));
    await received.until(10);
    assert.equal(received.bytes().toString(), 'print(1)\r\n');
    await link.setBaudRate(921600);
    assert.equal(link.baudRate, 921600);
    assert.deepEqual(device.bauds, [115200, 921600]);
    await link.close();
    await link.close(); // idempotent
    assert.equal(link.isOpen, false);
    assert.deepEqual(closes, [undefined]);
    await assert.rejects(link.write(Uint8Array.of(1)), (e: unknown) => e instanceof DeviceError && /not open/.test(e.message));
    // Reopen (esptool-js changes baud by closing and reopening).
    await link.open();
    assert.equal(device.connects, 2);
    await link.close();
    removeVirtualPort(path);
  });

  it('sets DTR and RTS in ONE set() call carrying both, and the far end sees them', async () => {
    const path = uniquePath('signals');
    const device = new EchoDevice();
    createVirtualPort(path, device);
    const { binding, setCalls } = spyingBinding();
    const link = await openSerialLink(path, { baudRate: 115200, binding });
    await link.setSignals({ dtr: false, rts: true });
    assert.equal(setCalls.length, 1);
    assert.equal(setCalls[0]!.dtr, false);
    assert.equal(setCalls[0]!.rts, true);
    await link.setSignals({ dtr: true, rts: false });
    assert.equal(setCalls.length, 2);
    assert.deepEqual({ dtr: setCalls[1]!.dtr, rts: setCalls[1]!.rts }, { dtr: true, rts: false });
    assert.deepEqual(device.lines, [
      { dtr: true, rts: true }, // open
      { dtr: false, rts: true },
      { dtr: true, rts: false },
    ]);
    await link.close();
    removeVirtualPort(path);
  });

  it('applies `signals` right after opening, in one call', async () => {
    const path = uniquePath('open-signals');
    const device = new EchoDevice();
    createVirtualPort(path, device);
    const { binding, setCalls } = spyingBinding();
    const link = await openSerialLink(path, { baudRate: 115200, binding, signals: { dtr: false, rts: false } });
    assert.equal(setCalls.length, 1);
    assert.deepEqual(device.lines.at(-1), { dtr: false, rts: false });
    await link.close();
    removeVirtualPort(path);
  });

  it('throttled: 11,520 bytes at 115200 baud take about a second; unthrottled is fast', async () => {
    for (const throttle of [true, false]) {
      const path = uniquePath(`throttle-${throttle}`);
      const device = new EchoDevice();
      device.echo = false;
      createVirtualPort(path, device, { throttle });
      const link = await openSerialLink(path, { baudRate: 115200, binding: VirtualBinding });
      // Not faster than the wire on the wall clock; not much slower on this thread's own clock
      // (time it waited for a CPU on a loaded host excluded: late ticks are the host's, not the pacing's).
      const clock = runnableClock();
      const [start, ownStart] = [performance.now(), clock()];
      await link.write(new Uint8Array(11_520));
      await device.untilReceived(11_520);
      const seconds = (performance.now() - start) / 1000;
      const ownSeconds = (clock() - ownStart) / 1000;
      if (throttle) assert.ok(seconds >= 0.8 && ownSeconds <= 1.6, `throttled took ${seconds.toFixed(3)} s (${ownSeconds.toFixed(3)} s not waiting for a CPU)`);
      else assert.ok(ownSeconds < 0.2, `unthrottled took ${ownSeconds.toFixed(3)} s not waiting for a CPU (${seconds.toFixed(3)} s)`);
      await link.close();
      removeVirtualPort(path);
    }
  });

  it('a cable pulled mid-write rejects the write with disconnected: true and closes the link', async () => {
    const path = uniquePath('pull-write');
    const device = new EchoDevice();
    device.echo = false;
    createVirtualPort(path, device, { throttle: true });
    const link = await openSerialLink(path, { baudRate: 115200, binding: VirtualBinding });
    const events: string[] = [];
    const closed = new Promise<unknown>((resolve) => link.on('close', resolve));
    link.on('error', (e) => events.push(`error:${e.constructor.name}`));
    const writing = link.write(new Uint8Array(11_520));
    await sleep(100);
    removeVirtualPort(path);
    await assert.rejects(writing, (e: unknown) => e instanceof SerialDisconnectedError && e.disconnected && e.exitCode === 3);
    const closeError = await closed;
    assert.ok(closeError instanceof SerialDisconnectedError);
    assert.deepEqual(events, ['error:SerialDisconnectedError']);
    assert.equal(link.isOpen, false);
    await assert.rejects(link.write(Uint8Array.of(1)), SerialDisconnectedError);
    await link.close(); // nothing to do, no throw
    assert.ok(device.receivedBytes > 0 && device.receivedBytes < 11_520, `device got ${device.receivedBytes} bytes`);
  });

  it('an unplug while idle closes the link with the disconnect error', async () => {
    const path = uniquePath('pull-idle');
    createVirtualPort(path, new EchoDevice());
    const link = await openSerialLink(path, { baudRate: 115200, binding: VirtualBinding });
    const closed = new Promise<unknown>((resolve) => link.on('close', resolve));
    removeVirtualPort(path);
    const error = await closed;
    assert.ok(error instanceof SerialDisconnectedError);
    assert.match(error.hint ?? '', /cable/);
  });

  it('explains open failures: missing port and busy port', async () => {
    await assert.rejects(openSerialLink(uniquePath('nope'), { baudRate: 115200, binding: VirtualBinding }), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.match(e.message, /cannot open/);
      assert.match(e.hint ?? '', /mpy-iot ports/);
      return true;
    });
    const path = uniquePath('busy');
    createVirtualPort(path, new EchoDevice());
    const first = await openSerialLink(path, { baudRate: 115200, binding: VirtualBinding });
    await assert.rejects(openSerialLink(path, { baudRate: 115200, binding: VirtualBinding }), (e: unknown) => e instanceof DeviceError && /Another program/.test(e.hint ?? ''));
    await first.close();
    removeVirtualPort(path);
  });

  it('drives a virtual ESP into download mode with the classic reset through setSignals', async () => {
    const path = uniquePath('esp-reset');
    const events: EspResetEvent[] = [];
    // A 60 ms strap window (not the default 10): `D1` and `R0` are two awaited calls, and a host
    // that deschedules this process between them must not turn the reset into an app boot.
    const decoder = new EspResetDecoder({ wiring: 'classic', strapWindowMs: 60 });
    const board: SerialFarEnd = {
      connect: () => {},
      receive: () => {},
      signals: (lines) => events.push(...decoder.update(lines, performance.now())),
    };
    createVirtualPort(path, board);
    const link = await openSerialLink(path, { baudRate: 115200, binding: VirtualBinding });
    // D0|R1|W100|D1|R0|W50|D0, one line per step as esptool does, both lines in every call.
    const lines = { dtr: true, rts: true };
    const step = (change: Partial<typeof lines>): Promise<void> => link.setSignals(Object.assign(lines, change));
    await step({ dtr: false });
    await step({ rts: true });
    await sleep(100);
    await step({ dtr: true });
    await step({ rts: false });
    await sleep(50);
    await step({ dtr: false });
    assert.deepEqual(
      events.map((e) => (e.type === 'reset' ? `reset:${e.bootMode}` : e.type)),
      ['hold', 'reset:download'],
    );
    await link.close();
    removeVirtualPort(path);
  });
});
