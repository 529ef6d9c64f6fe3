// Where a verdict (`result`, `grade`) reaches a board. A device whose `listen` holds RESULT gets it
// on RESULT, as the lab always did (one publish, each board picks what is addressed to it, nothing
// answers). Any other device — an IoT Core project's: the cloud and `broker --iot-core` have no
// RESULT topic and let a registry publish only to commands — gets the same object as the args of a
// `result` command on its own `$devices/<id>/commands`, and its reply says whether it printed it.
import type { ResolvedDevice } from '../config/types.ts';
import { ExitCode, type ExitCodeValue } from '../errors.ts';
import type { MqttOptions } from './client.ts';
import { isUnknownCommand, sendCommands } from './command.ts';
import { publishResults, resultBody, type TeamGrade } from './grade.ts';
import { topicFilter } from './topics.ts';

export const listensOnResult = (device: ResolvedDevice): boolean => device.listen.includes('RESULT');

/** What one board did with its verdict command. */
export interface VerdictDelivery {
  device: string;
  deviceId: string;
  commandTopic: string;
  /** shown: printed; not-shown: the board says it is for another board or group; refused: it answered an error; no-reply: nothing within the timeout. */
  outcome: 'shown' | 'not-shown' | 'refused' | 'no-reply';
  rttMs?: number;
  /** The board's error, or why there was no reply. */
  error?: string;
}

/**
 * Sends each device its verdict (resultBody's object) as a `result` command over one connection (the round trip of
 * `mpy-iot send`) and waits up to `timeoutMs` for every reply; never throws for a silent board
 * (see its delivery), only for the connection itself.
 */
export async function sendVerdicts(
  verdicts: { device: ResolvedDevice; verdict: Record<string, unknown> }[],
  options: { url: string; mqttOptions?: MqttOptions; timeoutMs?: number },
): Promise<VerdictDelivery[]> {
  if (verdicts.length === 0) return [];
  const outcomes = await sendCommands(
    verdicts.map(({ device, verdict }) => ({
      deviceId: device.identity.deviceId,
      command: 'result',
      args: verdict,
      replyTopic: topicFilter(device.mqtt.replyTopic, device),
    })),
    { url: options.url, ...(options.mqttOptions ? { mqttOptions: options.mqttOptions } : {}), ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) },
  );
  return outcomes.map((o, i) => {
    const device = verdicts[i]!.device;
    const base = { device: device.name, deviceId: device.identity.deviceId, commandTopic: o.commandTopic };
    if (!o.ok) return { ...base, outcome: 'no-reply', error: o.error.message };
    const reply = o.reply;
    if (reply.ok !== true) return { ...base, outcome: 'refused', rttMs: o.rttMs, error: typeof reply.error === 'string' ? reply.error : JSON.stringify(reply) };
    const shown = (reply.result as { shown?: unknown } | undefined)?.shown === true;
    return { ...base, outcome: shown ? 'shown' : 'not-shown', rttMs: o.rttMs };
  });
}


/** A class's verdicts split by where each board hears them. */
export interface VerdictRoute {
  /** Teams whose board listens on RESULT (and teams no longer on the roster): one publish each. */
  onResult: TeamGrade[];
  /** The others, each as a `result` command to its device. */
  byCommand: { device: ResolvedDevice; verdict: Record<string, unknown> }[];
}

export function routeVerdicts(teams: TeamGrade[], devices: ResolvedDevice[]): VerdictRoute {
  const deviceOf = new Map(devices.map((d) => [d.name, d]));
  const route: VerdictRoute = { onResult: [], byCommand: [] };
  for (const team of teams) {
    const device = deviceOf.get(team.device);
    if (device && !listensOnResult(device)) route.byCommand.push({ device, verdict: resultBody(team) });
    else route.onResult.push(team);
  }
  return route;
}

/** Publishes the RESULT part, then sends the commands (grade, the dashboard's buttons); the commands' outcomes. */
export async function deliverVerdicts(route: VerdictRoute, options: { url: string; mqttOptions?: MqttOptions; timeoutMs?: number }): Promise<VerdictDelivery[]> {
  if (route.onResult.length > 0) await publishResults(options.url, route.onResult, options.mqttOptions);
  return sendVerdicts(route.byCommand, options);
}

/** What a board did with its verdict, in words (the CLI marks and colours them, the dashboard shows them as they are). */
export function deliverySentence(d: VerdictDelivery): { shown: boolean; text: string; aside: string } {
  const via = ` (${d.commandTopic}${d.rttMs === undefined ? '' : `, ${d.rttMs.toFixed(0)} ms`})`;
  switch (d.outcome) {
    case 'shown':
      return { shown: true, text: `${d.device} printed it`, aside: via };
    case 'not-shown':
      return { shown: false, text: `${d.device} did not print it: the board says it is addressed to another board or group (check its students/group in the project, then build and deploy)`, aside: via };
    case 'refused':
      return { shown: false, text: `${d.device} answered an error: ${d.error}${isUnknownCommand(d.error) ? ' — its firmware predates the result command: build and deploy' : ''}`, aside: via };
    case 'no-reply':
      return { shown: false, text: `${d.device}: ${d.error}`, aside: ' — is it online? `mpy-iot watch` shows it' };
  }
}

/** 3 when a board did not answer (device error), 1 when one answered but did not print it, else 0. */
export function deliveryExit(deliveries: VerdictDelivery[]): ExitCodeValue {
  if (deliveries.some((d) => d.outcome === 'no-reply')) return ExitCode.deviceError;
  if (deliveries.some((d) => d.outcome !== 'shown')) return ExitCode.verificationFailed;
  return ExitCode.ok;
}
