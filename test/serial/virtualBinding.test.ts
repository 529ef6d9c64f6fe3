import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { SerialPort } from 'serialport';
import { createVirtualPort, removeVirtualPort, VirtualBinding, virtualPortState } from '../../tools/serial/virtualBinding.ts';
import { runnableClock } from '../helpers/clock.ts';
import { EchoDevice, uniquePath } from './farEnds.ts';

type Err = Error & { canceled?: boolean; disconnected?: boolean; disconnect?: boolean };
const cb = <T = void>(fn: (done: (err: Error | null, value?: T) => void) => void): Promise<T | undefined> =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

/** SerialPort exactly as applications use it, with the binding swapped in the way its constructor allows. */
function serialPort(path: string, baudRate = 115200): SerialPort {
  const settings = { path, baudRate, autoOpen: false, binding: VirtualBinding };
  return new SerialPort(settings);
}

describe('SerialPort over VirtualBinding', () => {
  it('opens, writes, reads, sets lines, changes baud and closes', async () => {
    const path = uniquePath('basic');
    const device = new EchoDevice();
    createVirtualPort(path, device);
    const port = serialPort(path);
    await cb((done) => port.open(done));
    assert.equal(device.connects, 1);
    assert.deepEqual(device.lines, [{ dtr: true, rts: true }], 'opening asserts both lines, as termios does');
    assert.deepEqual(device.bauds, [115200]);

    const data = once(port, 'data');
    port.write(Buffer.from('hello'));
    const [chunk] = (await data) as [Buffer];
    assert.equal(chunk.toString(), 'hello');
    assert.equal(device.text(), 'hello');

    await cb((done) => port.set({ dtr: false, rts: true }, done));
    assert.deepEqual(device.lines.at(-1), { dtr: false, rts: true });
    assert.deepEqual(virtualPortState(path)?.lines, { dtr: false, rts: true });

    await cb((done) => port.update({ baudRate: 460800 }, done));
    assert.equal(port.baudRate, 460800);
    assert.deepEqual(device.bauds, [115200, 460800]);
    assert.deepEqual(await port.port?.getBaudRate(), { baudRate: 460800 });
    assert.deepEqual(await cb<{ cts: boolean; dsr: boolean; dcd: boolean }>((done) => port.get(done)), { cts: false, dsr: false, dcd: false });

    const closed = once(port, 'close');
    await cb((done) => port.close(done));
    const [closeArg] = await closed;
    assert.equal(closeArg, null, 'a requested close carries no error');
    assert.equal(device.disconnects, 1);
    assert.deepEqual(device.lines.at(-1), { dtr: false, rts: false }, 'hupcl drops both lines');
    assert.equal(virtualPortState(path)?.isOpen, false);

    // Reopening works and the far end hears a new connect.
    await cb((done) => port.open(done));
    assert.equal(device.connects, 2);
    await cb((done) => port.close(done));
    removeVirtualPort(path);
  });

  it('rejects reads in progress with canceled: true on close', async () => {
    const path = uniquePath('cancel');
    createVirtualPort(path, new EchoDevice());
    const port = await VirtualBinding.open({ path, baudRate: 115200 });
    const reading = port.read(Buffer.alloc(16), 0, 16);
    await port.close();
    await assert.rejects(reading, (err: Err) => err.canceled === true);
    removeVirtualPort(path);
  });

  it('reads at least one byte and at most length, across chunks', async () => {
    const path = uniquePath('read');
    const device = new EchoDevice();
    createVirtualPort(path, device);
    const port = await VirtualBinding.open({ path, baudRate: 115200 });
    const buffer = Buffer.alloc(8);
    const first = port.read(buffer, 2, 3);
    device.emit?.(Uint8Array.from([1, 2]));
    device.emit?.(Uint8Array.from([3, 4, 5]));
    const { bytesRead } = await first;
    assert.ok(bytesRead >= 1 && bytesRead <= 3);
    const more = await port.read(buffer, 2 + bytesRead, 5 - bytesRead);
    assert.deepEqual([...buffer.subarray(2, 2 + bytesRead + more.bytesRead)], [1, 2, 3, 4, 5]);
    await port.close();
    removeVirtualPort(path);
  });

  it('sees an unplug as a disconnection: close with disconnected: true', async () => {
    const path = uniquePath('unplug');
    const device = new EchoDevice();
    createVirtualPort(path, device);
    const port = serialPort(path);
    await cb((done) => port.open(done));
    port.on('data', () => {});
    const closed = once(port, 'close');
    assert.equal(removeVirtualPort(path), true);
    const [err] = (await closed) as [Err];
    assert.equal(err.disconnected, true);
    assert.equal(port.isOpen, false);
    assert.equal(device.disconnects, 1);
    assert.deepEqual(await VirtualBinding.list().then((l) => l.filter((p) => p.path === path)), []);
  });

  it('fails pending binding reads on unplug with a non-canceled error', async () => {
    const path = uniquePath('unplug-read');
    createVirtualPort(path, new EchoDevice());
    const port = await VirtualBinding.open({ path, baudRate: 115200 });
    const reading = port.read(Buffer.alloc(4), 0, 4);
    removeVirtualPort(path);
    await assert.rejects(reading, (err: Err) => err.canceled !== true && err.disconnect === true && /unplugged/.test(err.message));
    await assert.rejects(port.write(Buffer.from('x')), /unplugged/);
    await port.close(); // a gone port still closes, as the stream expects
  });

  it('refuses a second open and a missing port, with messages like the OS bindings', async () => {
    const path = uniquePath('lock');
    createVirtualPort(path, new EchoDevice(), { vendorId: '10C4', productId: 'EA60', manufacturer: 'Silicon Labs' });
    const first = await VirtualBinding.open({ path, baudRate: 115200 });
    await assert.rejects(VirtualBinding.open({ path, baudRate: 115200 }), /cannot lock port/);
    await assert.rejects(VirtualBinding.open({ path: uniquePath('missing'), baudRate: 115200 }), /No such file or directory/);
    const listed = (await VirtualBinding.list()).find((p) => p.path === path);
    assert.equal(listed?.vendorId, '10C4');
    assert.equal(listed?.manufacturer, 'Silicon Labs');
    await first.close();
    assert.throws(() => createVirtualPort(path, new EchoDevice()), /already exists/);
    removeVirtualPort(path);
  });

  it('paces device→host bytes at baud ÷ 10 when throttled', async () => {
    const path = uniquePath('throttle-rx');
    const device = new EchoDevice();
    createVirtualPort(path, device, { throttle: true });
    const port = serialPort(path, 115200);
    await cb((done) => port.open(done));
    let got = 0;
    const all = new Promise<void>((resolve) =>
      port.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got >= 2880) resolve();
      }),
    );
    // Not faster than the wire on the wall clock; not much slower on this thread's own clock
    // (time it waited for a CPU on a loaded host excluded).
    const clock = runnableClock();
    const [start, ownStart] = [performance.now(), clock()];
    device.emit?.(new Uint8Array(2880)); // 0.25 s of wire time at 115200 baud
    await all;
    const seconds = (performance.now() - start) / 1000;
    const ownSeconds = (clock() - ownStart) / 1000;
    assert.ok(seconds > 0.2 && ownSeconds < 0.5, `took ${seconds.toFixed(3)} s (${ownSeconds.toFixed(3)} s not waiting for a CPU)`);
    await cb((done) => port.close(done));
    removeVirtualPort(path);
  });
});
