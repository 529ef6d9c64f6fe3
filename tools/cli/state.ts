import type { DeviceState } from '../iotCore/deviceState.ts';
import { readState } from '../iotCore/deviceState.ts';
import { parseDuration } from '../shared/duration.ts';
import { defineCommand } from './command.ts';
import { deviceTarget } from './deviceTarget.ts';
import { brokerConnection, brokerOptions, optionalProject, type BrokerArgs } from './harnessView.ts';
import type { Output } from './io.ts';

interface StateArgs extends BrokerArgs {
  device: string;
  timeout: string;
}

export const stateCommand = defineCommand<StateArgs>({
  command: 'state <device>',
  describe: "Show a device's state ($devices/<id>/state): online, interval, LED, the last config's outcome",
  builder: (y) =>
    brokerOptions(y)
      .positional('device', { type: 'string', describe: 'Device name from the project, or its IoT Core id' })
      .option('timeout', { type: 'string', default: '10s', describe: 'How long to wait for the state' })
      .example('$0 state dev-1', 'The retained state, or the one the board publishes when asked'),
  async run(a, { io, out }) {
    const timeoutMs = parseDuration(a.timeout, '--timeout');
    const project = optionalProject(a.project, io.cwd, io.env, out);
    const target = deviceTarget(project, a.device);
    const broker = brokerConnection(a, project, out, { cwd: io.cwd, fallbackUrl: target.device.mqtt.url });
    const state = await readState({ url: broker.url, mqttOptions: broker.mqttOptions, stateTopic: target.stateTopic, commandTopic: target.commandTopic, timeoutMs });
    if (out.json) return out.document({ ok: true, device: target.device.name, stateTopic: target.stateTopic, state });
    out.line(`${out.color.bold(target.device.name)} ${out.color.dim(`(${target.stateTopic})`)}`);
    printState(out, state);
  },
});

export function printState(out: Output, state: DeviceState): void {
  const c = out.color;
  const config = state.config ? (state.config.ok ? c.green(`applied (id ${String(state.config.id)})`) : c.red(`refused (id ${String(state.config.id)}): ${state.config.error}`)) : c.dim('none received since boot');
  out.line(`  status    ${state.status === 'online' ? c.green('online') : c.red(String(state.status))}${state.mac ? c.dim(`  mac ${state.mac}`) : ''}${state.boot ? c.dim(`  boot ${String(state.boot)}`) : ''}`);
  if (state.interval !== undefined) out.line(`  interval  ${state.interval} s`);
  if (state.led !== undefined) out.line(`  led       ${state.led ?? c.dim('shows the connection')}`);
  out.line(`  config    ${config}`);
}
