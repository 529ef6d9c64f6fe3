import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBroker } from '../broker/index.ts';
import { loadProject } from '../config/index.ts';
import { evaluate, gradeTeams, publishResults, sendCommand, startWatch, topicFilter, type Snapshot } from '../harness/index.ts';
import { demoProject } from '../init/demo.ts';
import { buildProject } from '../render/build.ts';
import { formatDuration, parseDuration } from '../shared/duration.ts';
import { planFleet, startFleet } from '../sim/fleet.ts';
import { defineCommand } from './command.ts';
import { dashboardPort, openDashboard } from './dashboard.ts';
import { printVerdict, snapshotTable } from './harnessView.ts';
import { untilStopped } from './untilStopped.ts';

interface DemoArgs {
  duration: string;
  keep: boolean;
  dashboard: string | undefined;
}

export const demoCommand = defineCommand<DemoArgs>({
  command: 'demo',
  describe: 'The whole pipeline with nothing to set up: broker, build, 3 virtual boards, verification',
  builder: (y) =>
    y
      .option('duration', { type: 'string', default: '15s', describe: 'How long to watch the boards' })
      .option('keep', { type: 'boolean', default: false, describe: 'Keep the example project and its build, and print where' })
      .option('dashboard', { type: 'string', describe: 'Also serve the live web dashboard on this port (default 8080); the boards then run until Ctrl-C' })
      .example('$0 demo', 'Embedded broker + an example class of ESP32, ESP8266 and a second group, verified live')
      .example('$0 demo --duration 30s --verbose', 'Longer, with every board console line')
      .example('$0 demo --dashboard', 'The same, watched on http://127.0.0.1:8080/ (buttons on) until Ctrl-C'),
  async run(args, { io, out }) {
    const durationMs = parseDuration(args.duration, '--duration');
    const webPort = dashboardPort(args.dashboard);
    const c = out.color;
    const step = (text: string): void => out.note(`${c.cyan('▸')} ${text}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-demo-'));
    const broker = await startBroker({ port: 0 });
    let stopFleet: (() => Promise<void>) | null = null;
    let stopWatch: (() => Promise<unknown>) | null = null;
    let dashboard: Awaited<ReturnType<typeof openDashboard>> | null = null;
    try {
      step(`embedded broker on ${broker.url}`);
      writeFileSync(path.join(dir, 'mpy-iot.json'), JSON.stringify(demoProject(broker.url), null, 2));
      const project = loadProject({ project: dir, cwd: io.cwd, env: {} });
      out.redactor.absorb(project.redactor);
      const builds = await buildProject(project);
      step(`built ${builds.map((b) => `${b.device} (${b.board}${b.manifest.mpy ? ', .mpy' : ''})`).join(', ')}`);

      const watch = startWatch({ url: broker.url, devices: project.devices });
      // Stopped on every way out: a failed ping must not leave its client reconnecting forever.
      stopWatch = () => watch.stop();
      await watch.ready(10_000);
      // The demo's boards are virtual and the page is on 127.0.0.1: its buttons are on.
      if (webPort !== null) dashboard = await openDashboard({ url: broker.url, devices: project.devices, port: webPort, allowCommands: true, language: 'ru' }, out);
      const fleet = await startFleet(planFleet(project), {}, (board) => {
        if (out.verbose && !out.json) board.on('console', (l) => out.note(c.dim(`${board.name.padEnd(6)} │ ${l.line}`)));
      });
      stopFleet = fleet.stop;
      step(`started ${fleet.boards.length} virtual boards`);
      // The watching starts once every board is connected and subscribed (its birth, or telemetry):
      // booting three interpreters takes seconds on a slow or busy computer, and a ping sent before
      // team-1 listens would fail the demo. A board still silent after this is judged silent.
      const upInMs = await boardsUp(() => watch.snapshot(), project.devices.map((d) => d.name), BOARDS_UP_TIMEOUT_MS, (waiting) =>
        step(`waiting for ${waiting.join(', ')} to connect (booting is slow on a busy computer; up to ${formatDuration(BOARDS_UP_TIMEOUT_MS)})`),
      );
      step(`${upInMs === null ? `not every board up after ${formatDuration(BOARDS_UP_TIMEOUT_MS)}` : `boards up in ${formatDuration(upInMs)}`}; watching for ${formatDuration(durationMs)}`);

      await sleep(durationMs / 2);
      const team1 = project.devices[0]!;
      const ping = await sendCommand({ url: broker.url, deviceId: team1.identity.deviceId, command: 'ping', timeoutMs: 5000, replyTopic: topicFilter(team1.mqtt.replyTopic, team1) });
      step(`ping team-1: ${JSON.stringify(ping.reply)} in ${ping.rttMs.toFixed(0)} ms`);
      const { teams } = gradeTeams(watch.snapshot(), project.devices.filter((d) => d.telemetry.group === team1.telemetry.group), { language: 'ru' });
      await publishResults(broker.url, teams);
      step(`RESULT for each team of ${team1.telemetry.group} published`);
      await sleep(durationMs / 2);

      const heard = fleet.boards
        .filter((b) => b.console.some((l) => /result for (my board|my group)/.test(l.line)))
        .map((b) => b.name);
      const snapshot = await watch.stop();
      const verdict = evaluate(snapshot, { expectDevices: fleet.boards.length, minMessages: 2, requireOnline: true });
      const healthy = verdict.devices.filter((d) => d.passed).length;
      if (out.json) {
        out.document({ ok: verdict.passed, healthyDevices: healthy, verdict, ping: { reply: ping.reply, rttMs: ping.rttMs }, resultHeardBy: heard, devices: snapshot.devices });
      } else {
        out.line(snapshotTable(snapshot, out, verdict));
        out.line();
        printVerdict(verdict, out);
        out.line(`  ping round trip ${ping.rttMs.toFixed(0)} ms; RESULT printed by ${heard.join(', ') || 'no board'}`);
        if (args.keep) out.line(c.dim(`  project and build kept in ${dir}`));
      }
      if (dashboard) {
        out.note(c.dim(`the boards keep running for the dashboard on ${dashboard.url} — Ctrl-C to stop`));
        await untilStopped(io);
      }
      return verdict.passed ? 0 : 1;
    } finally {
      await dashboard?.close();
      await stopWatch?.();
      await stopFleet?.();
      await broker.close();
      if (!args.keep) rmSync(dir, { recursive: true, force: true });
    }
  },
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long the demo waits for its boards to come up before it watches them anyway. */
const BOARDS_UP_TIMEOUT_MS = 60_000;

/** After this long, the boards still booting are named (a slow computer, not a hung demo). */
const BOARDS_UP_NOTE_MS = 5_000;

/** Resolves with how long it took until every named device was online or had sent telemetry; null after `timeoutMs`. */

async function boardsUp(snapshot: () => Snapshot, devices: string[], timeoutMs: number, note: (waitingFor: string[]) => void): Promise<number | null> {
  const started = Date.now();
  let noted = false;
  const down = (): string[] => {
    const rows = snapshot().devices;
    return devices.filter((name) => !rows.some((r) => r.device === name && (r.status === 'online' || r.messages > 0)));
  };
  for (let waiting = down(); waiting.length > 0; waiting = down()) {
    if (Date.now() - started > timeoutMs) return null;
    if (!noted && Date.now() - started > BOARDS_UP_NOTE_MS) {
      noted = true;
      note(waiting);
    }
    await sleep(100);
  }
  return Date.now() - started;
}
