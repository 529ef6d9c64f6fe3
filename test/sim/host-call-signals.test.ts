// A board stopped or reset while the interpreter waits for the host's answer (a blocking socket read,
// say) must stop or reboot cleanly: the wake-up that carries the signal is not an answer.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { ReplClient } from '../../tools/repl/client.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

let project: string;
let server: net.Server;
let port: number;

before(async () => {
  // A peer that accepts and never sends: the board's recv() waits on the host.
  server = net.createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:1883', devices: [{ name: 'host-call', board: 'esp32', telemetry: { sensor: 'simulated', students: ['Иванов И.И'], group: 'БАГ-18-01' } }] });
});
after(() => server.close());

/** A blank board blocked in `recv()` on a silent peer, and the errors it reports. */
async function boardInRecv(): Promise<{ board: VirtualBoard; crashes: Error[] }> {
  const board = await bootBoard(project, 'host-call', { blank: true });
  const crashes: Error[] = [];
  board.on('crashed', (error: Error) => crashes.push(error));
  const repl = new ReplClient(boardTransport(board));
  await repl.enterRaw();
  await repl.run(`import network, time
w = network.WLAN(network.STA_IF)
w.active(True)
w.connect('lab-wifi', 'lab-password')
while not w.isconnected():
    time.sleep_ms(20)`);
  const printed = board.waitForLine(/waiting/);
  void repl.run(`import socket
s = socket.socket()
s.connect(socket.getaddrinfo('127.0.0.1', ${port})[0][-1])
s.settimeout(30)
print('waiting')
s.recv(1)`).catch(() => undefined);
  await printed;
  await new Promise((r) => setTimeout(r, 200));
  repl.close();
  return { board, crashes };
}

test('stop() during a blocking host call stops the board without a crash', async () => {
  const { board, crashes } = await boardInRecv();
  await board.stop();
  assert.deepEqual(crashes.map((e) => e.message), []);
});

test('the reset button during a blocking host call reboots the board without a crash', async () => {
  const { board, crashes } = await boardInRecv();
  const rebooted = new Promise((resolve) => board.once('reset', resolve));
  board.hardReset();
  await rebooted;
  await board.waitForLine(/MicroPython/, 30_000);
  await board.stop();
  assert.deepEqual(crashes.map((e) => e.message), []);
});
