import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BindingInterface, SetOptions } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { ClassicReset, Transport, UsbJtagSerialReset } from 'esptool-js';
import { LinkSerialPort } from '../../tools/flash/webSerial.ts';
import { createSerialLink } from '../../tools/serial/link.ts';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/virtualBinding.ts';
import { EchoDevice, uniquePath } from '../serial/farEnds.ts';

/** VirtualBinding with every set() recorded, to see exactly what reaches the "driver". */
function spyingBinding(): { binding: BindingInterface; setCalls: SetOptions[] } {
  const setCalls: SetOptions[] = [];
  const binding: BindingInterface = {
    list: () => VirtualBinding.list(),
    async open(options) {
      const port = await VirtualBinding.open(options);
      const set = port.set.bind(port);
      port.set = (flags) => {
        setCalls.push({ dtr: flags.dtr, rts: flags.rts });
        return set(flags);
      };
      return port;
    },
  };
  return { binding, setCalls };
}

function setup(options: { vendorId?: string; productId?: string; baudChange?: 'reopen' | 'in-place' } = {}) {
  const path = uniquePath('websrl');
  const device = new EchoDevice();
  createVirtualPort(path, device, { vendorId: options.vendorId ?? '10C4', productId: options.productId ?? 'EA60' });
  const { binding, setCalls } = spyingBinding();
  const port = new LinkSerialPort((baudRate) => createSerialLink(path, { baudRate, binding }), options.baudChange ? { baudChange: options.baudChange } : {});
  return { path, device, port, setCalls };
}

const asDevice = (port: LinkSerialPort): ConstructorParameters<typeof Transport>[0] => port as unknown as ConstructorParameters<typeof Transport>[0];

describe('LinkSerialPort (Web Serial shape over a SerialLink)', () => {
  it('delivers bytes both ways through web streams', async () => {
    const { device, port } = setup();
    assert.equal(port.readable, null);
    await port.open({ baudRate: 115200 });
    const writer = port.writable!.getWriter();
    await writer.write(new Uint8Array([1, 2, 3, 0xc0]));
    writer.releaseLock();
    const reader = port.readable!.getReader();
    const chunks: number[] = [];
    while (chunks.length < 4) {
      const { value, done } = await reader.read();
      assert.equal(done, false);
      chunks.push(...value!);
    }
    assert.deepEqual(chunks, [1, 2, 3, 0xc0]);
    assert.equal(device.text(), '\x01\x02\x03\xc0');
    await assert.rejects(port.close(), /locked/);
    await reader.cancel();
    reader.releaseLock();
    await port.close();
    assert.equal(port.readable, null);
    assert.equal(port.writable, null);
  });

  it('sends DTR and RTS together in ONE set() per call, remembering the other line', async () => {
    const { device, port, setCalls } = setup();
    await port.open({ baudRate: 115200 });
    setCalls.length = 0;
    device.lines.length = 0;
    await port.setSignals({ dataTerminalReady: false });
    await port.setSignals({ requestToSend: false });
    await port.setSignals({ requestToSend: true });
    await port.setSignals({ dataTerminalReady: true, requestToSend: false });
    assert.deepEqual(setCalls, [
      { dtr: false, rts: true },
      { dtr: false, rts: false },
      { dtr: false, rts: true },
      { dtr: true, rts: false },
    ]);
    assert.deepEqual(port.signals, { dtr: true, rts: false });
    await port.close();
  });

  it("carries esptool-js's reset sequences without spurious line states", async () => {
    const { device, port, setCalls } = setup();
    const transport = new Transport(asDevice(port), false);
    await transport.connect(115200);
    setCalls.length = 0;
    device.lines.length = 0;
    await new ClassicReset(transport, 50).reset();
    // D0|R1 → (0,1) EN low; D1|R0 → (1,0) IO0 low as EN rises; (0,0) released. No (1,1) glitch.
    assert.deepEqual(device.lines, [
      { dtr: false, rts: true },
      { dtr: true, rts: false },
      { dtr: false, rts: false },
    ]);
    assert.ok(setCalls.every((c) => typeof c.dtr === 'boolean' && typeof c.rts === 'boolean'));
    setCalls.length = 0;
    await new UsbJtagSerialReset(transport).reset();
    // 9 steps; each setRTS also re-sends DTR (the usbser.sys work-around): 14 device calls, 14 set()s.
    assert.equal(setCalls.length, 14, 'one set() per esptool-js setSignals call');
    assert.ok(setCalls.every((c) => typeof c.dtr === 'boolean' && typeof c.rts === 'boolean'));
    assert.deepEqual(setCalls.at(-1), { dtr: false, rts: false });
    await transport.disconnect();
  });

  it('survives esptool-js changing baud by close and reopen (streams recreated)', async () => {
    const { device, port } = setup();
    const transport = new Transport(asDevice(port), false);
    transport.trace = () => {}; // esptool-js console.logs "readLoop exited" unconditionally
    await transport.connect(115200);
    void transport.readLoop();
    await transport.write(new Uint8Array([0x01, 0xc0, 0xdb, 0x02]));
    assert.deepEqual([...(await transport.read(1000))], [0x01, 0xc0, 0xdb, 0x02]);
    const readableBefore = port.readable;
    assert.equal(await transport.changeBaudrate(460800), true, 'reopened');
    assert.notEqual(port.readable, readableBefore);
    assert.deepEqual(device.bauds, [115200, 460800]);
    assert.equal(device.connects, 2);
    await transport.write(new Uint8Array([0x03, 0x04]));
    assert.deepEqual([...(await transport.read(1000))], [0x03, 0x04]);
    await transport.disconnect();
    assert.equal(port.current, undefined);
  });

  it("changes baud in place when asked (esptool-js 0.7 prefers a port's setBaudRate)", async () => {
    const { device, port } = setup({ baudChange: 'in-place' });
    const transport = new Transport(asDevice(port), false);
    transport.trace = () => {};
    await transport.connect(115200);
    void transport.readLoop();
    assert.equal(await transport.changeBaudrate(921600), false, 'not reopened');
    assert.deepEqual(device.bauds, [115200, 921600]);
    assert.equal(device.connects, 1);
    await transport.write(new Uint8Array([7]));
    assert.deepEqual([...(await transport.read(1000))], [7]);
    await transport.disconnect();
  });

  it('reports VID/PID as numbers, also before the first open when known', async () => {
    const { port } = setup({ vendorId: '303A', productId: '1001' });
    assert.deepEqual(port.getInfo(), {});
    await port.open({ baudRate: 115200 });
    assert.deepEqual(port.getInfo(), { usbVendorId: 0x303a, usbProductId: 0x1001 });
    await port.close();
    assert.deepEqual(port.getInfo(), { usbVendorId: 0x303a, usbProductId: 0x1001 });
    const early = new LinkSerialPort(() => assert.fail('not opened'), { info: { vendorId: '1a86', productId: '7523' } });
    assert.deepEqual(early.getInfo(), { usbVendorId: 0x1a86, usbProductId: 0x7523 });
  });

  it('fails a pending read when the port is unplugged', async () => {
    const { path, port } = setup();
    await port.open({ baudRate: 115200 });
    const reader = port.readable!.getReader();
    const pending = reader.read();
    removeVirtualPort(path);
    await assert.rejects(pending, /disconnected/);
  });

  it('carries on without DTR/RTS on a port that has none (a pseudo-terminal), and says so once', async () => {
    const path = uniquePath('nolines');
    createVirtualPort(path, new EchoDevice());
    const binding: BindingInterface = {
      list: () => VirtualBinding.list(),
      async open(options) {
        const port = await VirtualBinding.open(options);
        port.set = () => Promise.reject(new Error('Inappropriate ioctl for device, cannot set'));
        return port;
      },
    };
    const notes: string[] = [];
    const port = new LinkSerialPort((baudRate) => createSerialLink(path, { baudRate, binding }), { onNote: (n) => notes.push(n) });
    await port.open({ baudRate: 115200 });
    await port.setSignals({ dataTerminalReady: false });
    await port.setSignals({ requestToSend: false });
    assert.equal(port.linesUnsupported, true);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /no DTR\/RTS lines/);
    await port.close();
  });

  it('still fails on other signal errors', async () => {
    const path = uniquePath('badset');
    createVirtualPort(path, new EchoDevice());
    const binding: BindingInterface = {
      list: () => VirtualBinding.list(),
      async open(options) {
        const port = await VirtualBinding.open(options);
        port.set = () => Promise.reject(new Error('EIO: i/o error'));
        return port;
      },
    };
    const port = new LinkSerialPort((baudRate) => createSerialLink(path, { baudRate, binding }));
    await port.open({ baudRate: 115200 });
    await assert.rejects(port.setSignals({ dataTerminalReady: false }), /EIO/);
    await port.close().catch(() => {});
  });
});
