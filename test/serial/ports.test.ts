import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listPorts, noPortsHints, PortListError } from '../../tools/serial/ports.ts';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/virtualBinding.ts';
import { EchoDevice, uniquePath } from './farEnds.ts';

describe('listPorts', () => {
  it('guesses the adapter and the boards by VID:PID, case-insensitively', async () => {
    const cp210x = uniquePath('cp210x');
    const jtag = uniquePath('jtag');
    const unknown = uniquePath('unknown');
    const bare = uniquePath('bare');
    createVirtualPort(cp210x, new EchoDevice(), { vendorId: '10C4', productId: 'EA60', manufacturer: 'Silicon Labs', serialNumber: '0001' });
    createVirtualPort(jtag, new EchoDevice(), { vendorId: '303a', productId: '1001', manufacturer: 'Espressif' });
    createVirtualPort(unknown, new EchoDevice(), { vendorId: '2341', productId: '0043' });
    createVirtualPort(bare, new EchoDevice());
    try {
      const ports = await listPorts(VirtualBinding);
      const byPath = new Map(ports.map((p) => [p.path, p]));
      const first = byPath.get(cp210x);
      assert.equal(first?.adapter, 'CP210x');
      assert.equal(first?.vendorId, '10c4');
      assert.equal(first?.productId, 'ea60');
      assert.equal(first?.manufacturer, 'Silicon Labs');
      assert.equal(first?.serialNumber, '0001');
      assert.ok(first?.boards?.includes('esp32'), `boards: ${first?.boards}`);
      const usb = byPath.get(jtag);
      assert.equal(usb?.adapter, 'Espressif USB-Serial/JTAG');
      assert.ok(usb?.boards?.length, 'some board profile lists the native USB id');
      assert.ok(usb?.boards?.every((b) => b !== 'esp8266'));
      assert.equal(byPath.get(unknown)?.adapter, undefined);
      assert.equal(byPath.get(unknown)?.boards, undefined);
      assert.deepEqual(byPath.get(bare), { path: bare, vendorId: undefined, productId: undefined, manufacturer: undefined, serialNumber: undefined });
      assert.deepEqual(ports.map((p) => p.path), [...ports.map((p) => p.path)].sort((a, b) => a.localeCompare(b)));
    } finally {
      for (const path of [cp210x, jtag, unknown, bare]) removeVirtualPort(path);
    }
  });

  it('turns a failing lister (no udevadm in a container) into a PortListError with hints', async () => {
    const failing = { list: () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' })) };
    await assert.rejects(listPorts(failing), (e: unknown) => {
      assert.ok(e instanceof PortListError);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /cannot list serial ports: spawn udevadm ENOENT/);
      assert.match(e.hints[0]!, /udevadm.*--port/);
      assert.equal(e.hint, e.hints[0]);
      assert.ok(e.hints.some((h) => /charge-only/.test(h)));
      return true;
    });
  });

  it('returns an empty list when nothing is plugged in', async () => {
    assert.deepEqual(await listPorts({ list: async () => [] }), []);
  });
});

describe('noPortsHints', () => {
  it('covers cables, drivers and permissions per platform', () => {
    const linux = noPortsHints('linux').join('\n');
    assert.match(linux, /charge-only/);
    assert.match(linux, /dialout/);
    assert.match(linux, /brltty/);
    const windows = noPortsHints('win32').join('\n');
    assert.match(windows, /CP210x/);
    assert.match(windows, /CH340/);
    assert.doesNotMatch(windows, /dialout/);
    assert.match(noPortsHints('darwin').join('\n'), /cu\.usbserial/);
  });
});
