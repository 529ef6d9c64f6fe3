import { parseConfigSettings, pushConfig } from '../iotCore/deviceState.ts';
import { parseDuration } from '../shared/duration.ts';
import { defineCommand } from './command.ts';
import { deviceTarget } from './deviceTarget.ts';
import { brokerConnection, brokerOptions, optionalProject, type BrokerArgs } from './harnessView.ts';
import { printState } from './state.ts';

interface ConfigArgs extends BrokerArgs {
  action: string;
  device: string;
  set: string[] | undefined;
  timeout: string;
}

export const configCommand = defineCommand<ConfigArgs>({
  command: 'config <action> <device>',
  describe: "Push a config to a device's $devices/<id>/config and wait until its state acknowledges it",
  builder: (y) =>
    brokerOptions(y)
      .positional('action', { type: 'string', choices: ['push'], describe: 'push: publish the settings' })
      .positional('device', { type: 'string', describe: 'Device name from the project, or its IoT Core id' })
      .option('set', { type: 'string', array: true, requiresArg: true, describe: 'key=value: interval=<seconds> or led=on|off (repeatable)' })
      .option('timeout', { type: 'string', default: '10s', describe: 'How long to wait for the acknowledging state' })
      .example('$0 config push dev-1 --set interval=5 --set led=on', 'Publish every 5 s and light the LED; prints the state that confirms it'),
  async run(a, { io, out }) {
    const values = parseConfigSettings(a.set ?? []);
    const timeoutMs = parseDuration(a.timeout, '--timeout');
    const project = optionalProject(a.project, io.cwd, io.env, out);
    const target = deviceTarget(project, a.device);
    const broker = brokerConnection(a, project, out, { cwd: io.cwd, fallbackUrl: target.device.mqtt.url });
    const { id, state } = await pushConfig({ url: broker.url, mqttOptions: broker.mqttOptions, stateTopic: target.stateTopic, configTopic: target.configTopic, values, timeoutMs });
    const ok = state.config?.ok === true;
    if (out.json) {
      out.document({ ok, id, configTopic: target.configTopic, state });
    } else {
      const c = out.color;
      out.line(ok ? `${c.green('✓')} ${target.device.name} applied ${JSON.stringify(values)}` : `${c.red('✖')} ${target.device.name} refused the config: ${state.config?.error ?? 'no reason given'} (nothing changed)`);
      printState(out, state);
    }
    return ok ? 0 : 1;
  },
});
