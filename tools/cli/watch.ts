import { collisionReason, startWatch } from '../harness/index.ts';
import { defineCommand, jsonlOption } from './command.ts';
import { untilStopped } from './untilStopped.ts';
import { brokerConnection, brokerOptions, collisionLines, optionalProject, payloadSchema, snapshotTable, tableLegend, type BrokerArgs } from './harnessView.ts';

export interface HarnessArgs extends BrokerArgs {
  topic: string[] | undefined;
  schema: string | undefined;
}

export const harnessOptions = (y: import('yargs').Argv): import('yargs').Argv =>
  brokerOptions(y)
    .option('topic', { alias: 't', type: 'string', array: true, requiresArg: true, describe: 'Also watch this topic filter (repeatable)' })
    .option('schema', { type: 'string', requiresArg: true, describe: "JSON Schema for payloads (default: the project's telemetry.schema.json, else the lab payload)" });

export const watchCommand = defineCommand<HarnessArgs>({
  command: 'watch',
  describe: 'Watch telemetry live: validate every payload, per-device table (Ctrl-C to stop)',
  builder: (y) =>
    jsonlOption(harnessOptions(y))
      .example('$0 watch', "Live table of the project's devices on its broker")
      .example('$0 watch -b mqtt://127.0.0.1:1883 -t "DATA/#"', 'Any DATA/ traffic, without a project')
      .example('$0 watch -b mqtts://mqtt.cloud.yandex.net:8883 --cafile certs/yandex-root-ca.pem --cert certs/registries/reg-1.pem --key certs/registries/reg-1.key', 'Yandex IoT Core: read the devices\' events as the registry (its certificate)')
      .example('$0 watch --jsonl', 'One JSON line per received message, as it arrives')
      .example('$0 watch --json', 'The per-device snapshot as one JSON document when stopped (Ctrl-C)'),
  async run(args, { io, out }) {
    const project = optionalProject(args.project, io.cwd, io.env, out);
    const broker = brokerConnection(args, project, out, { cwd: io.cwd });
    const url = broker.shown;
    const schemaPath = payloadSchema(args.schema, project, io.cwd);
    const watch = startWatch({
      url: broker.url,
      mqttOptions: broker.mqttOptions,
      ...(project ? { devices: project.devices } : {}),
      ...(args.topic ? { topics: args.topic } : {}),
      ...(schemaPath ? { schemaPath } : {}),
    });
    if (out.json) watch.on('message', (m) => out.event({ type: 'message', ...m, at: m.receivedAt }));
    else if (!io.isTTY) {
      watch.on('message', (m) => out.line(`${new Date(m.receivedAt).toISOString()} ${m.valid ? '✓' : '✖'} ${m.topic} ${m.error ? m.error.reason : `${m.bytes} B`}`));
    }
    // Until the first subscription, a failure is the one fatal error reported by the CLI: stop the
    // client so nothing (no "reconnecting" lines) is printed after it.
    await watch.ready(10_000).catch(async (error: unknown) => {
      await watch.stop();
      throw error;
    });
    out.note(out.color.dim(`broker ${url}: connected`));
    watch.on('error', (error) => out.note(out.color.red(error.message)));
    watch.on('connection', (state) => out.note(out.color.dim(`broker ${url}: ${state}`)));
    // A client-id collision is announced once, as soon as it shows (also without a live table).
    const announced = new Set<string>();
    const collisions = setInterval(() => {
      for (const c of watch.snapshot().collisions) {
        if (announced.has(c.clientId)) continue;
        announced.add(c.clientId);
        if (out.json) out.event({ type: 'client-id-collision', ...c });
        else if (!io.isTTY) out.note(out.color.red(`⚠ ${collisionReason(c)}`));
      }
    }, 1000);
    const redraw = io.isTTY && !out.json ? setInterval(() => io.stdout(`\x1b[2J\x1b[H${out.redactor.redact([snapshotTable(watch.snapshot(), out), collisionLines(watch.snapshot(), out), tableLegend(out)].filter(Boolean).join('\n'))}\n${out.color.dim(`watching ${watch.filters.length > 3 ? `${watch.filters.length} topic filters` : watch.filters.join(' ')} on ${url} — Ctrl-C to stop`)}\n`), 1000) : null;
    await untilStopped(io);
    clearInterval(collisions);
    if (redraw) clearInterval(redraw);
    const snapshot = await watch.stop();
    if (out.json) out.document({ ok: true, ...snapshot });
    else {
      out.line(snapshotTable(snapshot, out));
      const collisions = collisionLines(snapshot, out);
      if (collisions) out.line(collisions);
    }
  },
});
