// Copied next to a generated fleet.gen.ts (test/codegen): a user's test written against the
// generated types and the library. It must type-check under tsc --strict, and when run it drives a
// virtual board through every typed command and returns what came back.
import { connectFleet, expectTelemetry, simulate, startBroker } from 'mpy-iot';
import { commands, devices, deviceNames, telemetryFilters, telemetryTopics, type CommandResults, type DeviceName, type TelemetryPayload } from './fleet.gen.ts';

export async function roundTrip(projectDir: string): Promise<{ payloads: TelemetryPayload[]; topics: string[]; filters: string[]; results: Partial<CommandResults>; refused: string }> {
  const broker = await startBroker({ port: 0 });
  const fleet = await connectFleet<TelemetryPayload, DeviceName>({ url: broker.url, project: projectDir });
  const sim = await simulate({ project: projectDir, broker: broker.url });
  try {
    const device: DeviceName = deviceNames[0];
    const events = await expectTelemetry(fleet, { device, count: 2, timeoutMs: 30_000 });
    const payloads = events.map((e) => e.payload);
    // Typed reads: a number (or null in a schema that allows it), a list of names.
    const names: readonly string[] = payloads[0]!.students;
    if (names.length === 0 || payloads[0]!.group !== devices[device].group) throw new Error('payload does not name the team');
    const mac = sim.board(device).mac;
    const results: Partial<CommandResults> = {};
    const ping = await fleet.send(device, commands.ping());
    if (ping.ok) results.ping = ping.result;
    const status = await fleet.send(device, commands.status());
    if (status.ok) results.status = status.result;
    const interval = await fleet.send(device, commands.setInterval(2));
    if (interval.ok) results.set_interval = interval.result;
    const now = await fleet.send(device, commands.publishNow());
    if (now.ok) results.publish_now = now.result;
    const led = await fleet.send(device, commands.led('blink', 2));
    if (led.ok) results.led = led.result;
    const state = await fleet.send(device, commands.state());
    if (state.ok) results.state = state.result;
    const verdict = await fleet.send(device, commands.result('Лабораторная зачтена', true, 5));
    if (verdict.ok) results.result = verdict.result;
    const refusedReply = await fleet.send(device, commands.setInterval(0));
    const refused = refusedReply.ok ? 'accepted' : refusedReply.error;
    const reboot = await fleet.send(device, commands.reboot());
    if (reboot.ok) results.reboot = reboot.result;
    return { payloads, topics: telemetryTopics(device, mac), filters: telemetryFilters(device), results, refused };
  } finally {
    await sim.stop();
    await fleet.close();
    await broker.close();
  }
}

// What the types refuse: each line below must be an error, or tsc reports the directive unused.
export function misuse(payload: TelemetryPayload): void {
  // @ts-expect-error set_interval takes seconds as a number
  commands.setInterval('5');
  // @ts-expect-error no such LED state
  commands.led('dim');
  // @ts-expect-error not a device of the roster
  const nobody: DeviceName = 'team-99';
  // @ts-expect-error students is a list of names
  const one: number = payload.students;
  void nobody;
  void one;
}
