// Verdicts, reports and grading from tracker snapshots (no broker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, TelemetryTracker, toJsonReport, toJUnitXml } from '../../tools/harness/index.ts';
import { birth, lab, labDevices, will } from './fixtures.ts';

const devices = labDevices([
  { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' }, mqtt: { statusTopic: 'lab/{mac}/status' } },
  { name: 'team-2', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-02' }, mqtt: { statusTopic: 'lab/{mac}/status' } },
  { name: 'team-3', telemetry: { students: ['Сидоров С.С'], group: 'БАГ-18-03' }, mqtt: { statusTopic: 'lab/{mac}/status' } },
]);

/** team-1 healthy (5 payloads), team-2 sends 2 payloads of which one is invalid and then dies, team-3 silent. */
function classroom(): TelemetryTracker {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  t.ingest('lab/aa0000000001/status', birth('team-1'), 1);
  for (let seq = 0; seq < 5; seq++) t.ingest('DATA/aa0000000001', lab({ seq }), 1000 * seq);
  t.ingest('lab/aa0000000002/status', birth('team-2'), 1);
  t.ingest('DATA/aa0000000002', lab({ seq: 0, students: ['Петрова А.С'] }, 'БАГ-18-02'), 10);
  t.ingest('DATA/aa0000000002', lab({ seq: 2, temperature: 'x', students: ['Петрова А.С'] }, 'БАГ-18-02'), 20);
  t.ingest('lab/aa0000000002/status', will, 30);
  return t;
}

test('evaluate: healthy device passes, each failure is a sentence naming the device', () => {
  const snapshot = classroom().snapshot(10_000);
  const verdict = evaluate(snapshot, { minMessages: 3, requireOnline: true, maxMissing: 0 });
  assert.equal(verdict.passed, false);
  const byDevice = Object.fromEntries(verdict.devices.map((d) => [d.device, d]));
  assert.equal(byDevice['team-1']?.passed, true);
  assert.deepEqual(byDevice['team-2']?.reasons, [
    'team-2 (aa0000000002): 2 telemetry messages, expected at least 3',
    'team-2 (aa0000000002): 1 of 2 payloads invalid (allowed 0); first on DATA/aa0000000002: /temperature must be number',
    'team-2 (aa0000000002): offline since 00:00:00 (last will or disconnect on its status topic)',
    'team-2 (aa0000000002): 1 payload lost (seq 1), allowed 0',
  ]);
  assert.deepEqual(byDevice['team-3']?.reasons, ['team-3: nothing received in 10.0 s (no telemetry, no status)']);
  assert.equal(verdict.reasons.length, 5);
});

test('evaluate: expectDevices counts boards; defaults allow nothing invalid and need one message', () => {
  const snapshot = classroom().snapshot(10_000);
  const verdict = evaluate(snapshot, { expectDevices: 3, maxInvalid: 1 });
  assert.deepEqual(verdict.fleetReasons, ['expected 3 devices sending telemetry, saw 2: team-1 (aa0000000001), team-2 (aa0000000002)']);
  assert.equal(verdict.devices.length, 2, 'with expectDevices, absent project devices are not judged one by one');
  assert.ok(verdict.devices.every((d) => d.passed));
  assert.equal(evaluate(snapshot, { expectDevices: 2, maxInvalid: 1 }).passed, true);
  assert.equal(evaluate(snapshot, { expectDevices: 2 }).passed, false, 'maxInvalid defaults to 0');
  const empty = new TelemetryTracker({ startedAt: 0 }).snapshot(5000);
  assert.deepEqual(evaluate(empty).reasons, ['no telemetry received in 5.0 s']);
});

test('JUnit XML: one testcase per device plus fleet, failures carry reasons, text is escaped', () => {
  const t = classroom();
  t.ingest('DATA/aa0000000003', Buffer.from(JSON.stringify({ temperature: 1, students: ['<b>&"\'\u0001'], group: 'БАГ-18-03', x: 1 })), 50);
  const snapshot = t.snapshot(10_000);
  const verdict = evaluate(snapshot, { expectDevices: 4 });
  const xml = toJUnitXml({ verdict, snapshot });
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="mpy-iot verify" tests="4" failures="2" errors="0" skipped="1" time="10.000">/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 4);
  assert.equal((xml.match(/<\/testcase>/g) ?? []).length, 4);
  assert.equal((xml.match(/<failure /g) ?? []).length, 2);
  assert.match(xml, /<skipped message="not in this class: no team &lt;b&gt;&amp;&quot;&apos;\uFFFD \(БАГ-18-03\) on the roster"\/>/, 'a board not in this class is skipped, not failed');
  assert.equal((xml.match(/<testsuite /g) ?? []).length, 1);
  assert.match(xml, /<testcase classname="mpy-iot.fleet" name="fleet"/);
  assert.match(xml, /<testcase classname="mpy-iot.БАГ-18-01" name="team-1 \(aa0000000001\)"/);
  assert.match(xml, /message="team-2 \(aa0000000002\): 1 of 2 payloads invalid/);
  // Structure: outside tags there is no raw '<' or '&' that is not an entity, and no control characters.
  const text = xml.replace(/<\/?[a-z?][^<>]*>/gi, '');
  assert.doesNotMatch(text, /[<>]|&(?!(amp|lt|gt|quot|apos);)/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  for (const tag of xml.match(/<[a-z][^<>]*>/gi) ?? []) assert.match(tag, /^<[a-z-]+(\s+[a-z]+="[^"<]*")*\s*\/?>$/i, tag);
  // Tags balance.
  const stack: string[] = [];
  for (const [, close, name] of xml.matchAll(/<(\/?)([a-z-]+)[^<>]*?(?<!\/)>/gi)) {
    if (close) assert.equal(stack.pop(), name);
    else stack.push(name!);
  }
  assert.deepEqual(stack, []);
});

test('JSON report: verdict with each device’s stats, serialisable', () => {
  const snapshot = classroom().snapshot(10_000);
  const report = toJsonReport({ verdict: evaluate(snapshot), snapshot });
  const parsed = JSON.parse(JSON.stringify(report)) as typeof report;
  assert.equal(parsed.passed, false);
  assert.equal(parsed.durationMs, 10_000);
  assert.equal(parsed.devices.find((d) => d.device === 'team-1')?.stats?.messages, 5);
  assert.equal(parsed.devices.find((d) => d.device === 'team-3')?.stats, null);
  assert.equal(parsed.totals.messages, 7);
});
