import { InputError } from '../errors.ts';
import { isUnknownCommand, sendCommand, topicFilter } from '../harness/index.ts';
import { parseDuration } from '../shared/duration.ts';
import { FIRMWARE_COMMANDS } from '../codegen/commandSet.ts';
import { didYouMean } from '../shared/didYouMean.ts';
import { defineCommand } from './command.ts';
import { brokerConnection, brokerOptions, optionalProject, type BrokerArgs } from './harnessView.ts';
import { findDevice } from './unknownDevice.ts';

interface SendArgs extends BrokerArgs {
  device: string;
  cmd: string;
  args: string | undefined;
  registry: string | undefined;
  timeout: string;
}

export const sendCommandCli = defineCommand<SendArgs>({
  command: 'send <device> <cmd>',
  describe: 'Send a command to a device (or its registry) and wait for the reply',
  builder: (y) =>
    brokerOptions(y)
      .positional('device', { type: 'string', describe: 'Device name from the project, or a device id' })
      .positional('cmd', { type: 'string', describe: `The command: ${FIRMWARE_COMMANDS.map((c) => c.name).join(', ')}` })
      .option('args', { type: 'string', requiresArg: true, describe: 'Command arguments as JSON, e.g. \'{"seconds": 5}\'' })
      .option('registry', { type: 'string', requiresArg: true, describe: 'Send to $registries/<id>/commands (every device of the registry)' })
      .option('timeout', { type: 'string', default: '5s', describe: 'How long to wait for the reply' })
      .example('$0 send team-1 ping', 'Round trip to team-1')
      .example('$0 send team-1 set_interval --args \'{"seconds": 5}\'', 'Publish every 5 s from now on')
      .example('$0 send team-1 led --args \'{"state": "blink", "times": 3}\'', 'Find the board on the desk'),
  async run(a, { io, out }) {
    let commandArgs: Record<string, unknown> | undefined;
    if (a.args !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(a.args);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new InputError(`--args must be a JSON object: ${a.args}`, [], { hint: 'quote it for the shell: --args \'{"seconds": 5}\'' });
      }
      commandArgs = parsed as Record<string, unknown>;
    }
    const timeoutMs = parseDuration(a.timeout, '--timeout');
    const project = optionalProject(a.project, io.cwd, io.env, out);
    const device = project ? findDevice(project, a.device) : undefined;
    const broker = brokerConnection(a, project, out, { cwd: io.cwd, fallbackUrl: device?.mqtt.url });
    const trip = await sendCommand({
      url: broker.url,
      mqttOptions: broker.mqttOptions,
      deviceId: device?.identity.deviceId ?? a.device,
      ...(a.registry ? { registryId: a.registry } : {}),
      command: a.cmd,
      ...(commandArgs === undefined ? {} : { args: commandArgs }),
      timeoutMs,
      ...(device ? { replyTopic: topicFilter(device.mqtt.replyTopic, device) } : {}),
    });
    const ok = (trip.reply as { ok?: unknown }).ok === true;
    // The board names a command it does not know: a typo is bad input (2), with the likely one.
    const refusal = (trip.reply as { error?: unknown }).error;
    if (!ok && isUnknownCommand(refusal)) {
      const known = FIRMWARE_COMMANDS.map((c) => c.name);
      const guess = didYouMean(a.cmd, known);
      throw new InputError(`${a.device} does not know the command '${a.cmd}' (it answered: ${refusal})`, [], {
        hint: `${guess ? `did you mean '${guess}'? ` : ''}mpy-iot's firmware knows ${known.join(', ')}; a board with older firmware may lack the newest (build and deploy)`,
      });
    }
    if (out.json) out.document({ ok, rttMs: trip.rttMs, commandTopic: trip.commandTopic, reply: trip.reply });
    else {
      out.line(`${ok ? out.color.green('✓') : out.color.red('✖')} ${a.cmd} → ${JSON.stringify(trip.reply)}`);
      out.line(out.color.dim(`round trip ${trip.rttMs.toFixed(0)} ms via ${trip.commandTopic}`));
    }
    return ok ? 0 : 1;
  },
});
