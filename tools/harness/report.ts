// Reports of a verify run: JUnit XML for CI (one testcase per device, plus one "fleet" testcase when
// fleet-level checks failed) and a JSON document for --json / dashboards.
import { deviceLabel } from './verdict.ts';
import type { DeviceStats, VerifyResult } from './types.ts';

// XML 1.0 forbids most control characters even when escaped; payload text may contain any.
// eslint-disable-next-line no-control-regex
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(text: string): string {
  return text
    .replace(XML_ILLEGAL, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const attrs = (values: Record<string, string | number>): string =>
  Object.entries(values).map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`).join('');

function summary(d: DeviceStats | undefined): string {
  if (!d) return 'nothing received';
  const parts = [
    `messages=${d.messages} valid=${d.valid} invalid=${d.invalid}`,
    `status=${d.status}`,
    `topics=${d.topics.join(',') || '-'}`,
  ];
  if (d.interval.meanMs !== null) parts.push(`interval=${d.interval.meanMs}ms jitter=${d.interval.jitterMs}ms`);
  if (d.seq) parts.push(`seq last=${d.seq.last} missing=${d.seq.missing} duplicates=${d.seq.duplicates} resets=${d.seq.resets}`);
  if (d.firstError) parts.push(`first error on ${d.firstError.topic}: ${d.firstError.reason}`);
  return parts.join('\n');
}

/** JUnit XML (the subset Jenkins, GitLab and GitHub reporters read). */
export function toJUnitXml(result: VerifyResult, suiteName = 'mpy-iot verify'): string {
  const { verdict, snapshot } = result;
  const seconds = ((snapshot.at - snapshot.startedAt) / 1000).toFixed(3);
  const cases: string[] = [];
  if (verdict.fleetReasons.length > 0) {
    cases.push(
      `    <testcase${attrs({ classname: 'mpy-iot.fleet', name: 'fleet', time: seconds })}>\n` +
        `      <failure${attrs({ message: verdict.fleetReasons[0] ?? '', type: 'verification' })}>${xmlEscape(verdict.fleetReasons.join('\n'))}</failure>\n` +
        `    </testcase>`,
    );
  }
  for (const v of verdict.devices) {
    const stats = snapshot.devices.find((d) => d.key === v.key && d.device === v.device);
    const failure = v.foreign !== undefined
      ? `      <skipped${attrs({ message: v.foreign })}/>\n`
      : v.passed
      ? ''
      : `      <failure${attrs({ message: v.reasons[0] ?? 'failed', type: 'verification' })}>${xmlEscape(v.reasons.join('\n'))}</failure>\n`;
    cases.push(
      `    <testcase${attrs({ classname: `mpy-iot.${v.group || 'device'}`, name: deviceLabel(v), time: seconds })}>\n` +
        failure +
        `      <system-out>${xmlEscape(summary(stats))}</system-out>\n` +
        `    </testcase>`,
    );
  }
  const tests = cases.length;
  const failures = verdict.devices.filter((d) => !d.passed && d.foreign === undefined).length + (verdict.fleetReasons.length > 0 ? 1 : 0);
  const skipped = verdict.devices.filter((d) => d.foreign !== undefined).length;
  const head = attrs({ name: suiteName, tests, failures, errors: 0, skipped, time: seconds });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${head}>`,
    `  <testsuite${head}${attrs({ timestamp: new Date(snapshot.startedAt).toISOString().slice(0, 19) })}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export interface JsonReport {
  passed: boolean;
  reasons: string[];
  fleetReasons: string[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
  totals: VerifyResult['snapshot']['totals'];
  missing: VerifyResult['snapshot']['missing'];
  /** Client ids used by several boards (also in fleetReasons, as sentences); `verify --merge` carries them over. */
  collisions: VerifyResult['snapshot']['collisions'];
  devices: (VerifyResult['verdict']['devices'][number] & { stats: DeviceStats | null })[];
}

/** A plain object for JSON.stringify: the verdict with each device's stats next to it. */
export function toJsonReport(result: VerifyResult): JsonReport {
  const { verdict, snapshot } = result;
  return {
    passed: verdict.passed,
    reasons: verdict.reasons,
    fleetReasons: verdict.fleetReasons,
    startedAt: new Date(snapshot.startedAt).toISOString(),
    endedAt: new Date(snapshot.at).toISOString(),
    durationMs: snapshot.at - snapshot.startedAt,
    totals: snapshot.totals,
    missing: snapshot.missing,
    collisions: snapshot.collisions,
    devices: verdict.devices.map((v) => ({ ...v, stats: snapshot.devices.find((d) => d.key === v.key && d.device === v.device) ?? null })),
  };
}
