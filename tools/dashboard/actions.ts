// The page's buttons, through the same harness code as the CLI: ping and LED are `mpy-iot send`'s
// sendCommand round trip; RESULT is `grade`'s verdict for that team, delivered where its board
// listens (RESULT in the lab, a `result` command to an IoT Core device), as `grade` delivers it.
import type { ResolvedDevice } from '../config/types.ts';
import { ExitCode, InputError } from '../errors.ts';
import { deliverVerdicts, deliveryExit, deliverySentence, routeVerdicts, sendCommand, topicFilter, type ClassGrades, type MqttOptions, type TeamGrade } from '../harness/index.ts';

export const ACTIONS = ['ping', 'led', 'result', 'result-all'] as const;
export type Action = (typeof ACTIONS)[number];

export interface ActionRequest {
  action: Action;
  /** The roster device (not needed for result-all). */
  device?: string;
}

export interface ActionOutcome {
  ok: boolean;
  /** One line for the page. */
  text: string;
  rttMs?: number;
  reply?: unknown;
}

export interface ActionContext {
  url: string;
  mqttOptions: MqttOptions;
  devices: ResolvedDevice[];
  /** The current grades (the same ones the grade table shows). */
  grades: () => ClassGrades;
  timeoutMs?: number;
}

/** Checks the body of a POST /api/command; throws InputError naming the field. */
export function parseActionRequest(body: unknown): ActionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InputError('the request body must be a JSON object {"action", "device"}');
  const { action, device } = body as Record<string, unknown>;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
    throw new InputError(`action: expected one of ${ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  }
  if (action !== 'result-all' && typeof device !== 'string') throw new InputError(`device: "${action}" needs the name of a roster device`);
  return { action: action as Action, ...(typeof device === 'string' ? { device } : {}) };
}

export async function runAction(request: ActionRequest, ctx: ActionContext): Promise<ActionOutcome> {
  if (request.action === 'result-all') {
    return deliver(ctx.grades().teams, ctx);
  }
  const device = ctx.devices.find((d) => d.name === request.device);
  if (!device) throw new InputError(`device: no device '${request.device}' in the project`, [], { hint: `devices: ${ctx.devices.map((d) => d.name).join(', ') || 'none (no project)'}` });
  if (request.action === 'result') {
    const team = ctx.grades().teams.find((t) => t.device === device.name);
    if (!team) throw new InputError(`device: '${device.name}' has no grade yet`);
    return deliver([team], ctx);
  }
  const trip = await sendCommand({
    url: ctx.url,
    mqttOptions: ctx.mqttOptions,
    deviceId: device.identity.deviceId,
    command: request.action,
    ...(request.action === 'led' ? { args: { state: 'blink', times: 3 } } : {}),
    timeoutMs: ctx.timeoutMs ?? 5000,
    replyTopic: topicFilter(device.mqtt.replyTopic, device),
  });
  const ok = (trip.reply as { ok?: unknown }).ok === true;
  const answer = request.action === 'ping' ? (ok ? 'pong' : JSON.stringify(trip.reply)) : ok ? 'LED blinks 3 times' : JSON.stringify(trip.reply);
  return { ok, text: `${answer} in ${trip.rttMs.toFixed(0)} ms`, rttMs: trip.rttMs, reply: trip.reply };
}

/** One line for the page: how many verdicts went to RESULT, and what each commanded board did. */
async function deliver(teams: TeamGrade[], ctx: ActionContext): Promise<ActionOutcome> {
  const route = routeVerdicts(teams, ctx.devices);
  const deliveries = await deliverVerdicts(route, { url: ctx.url, mqttOptions: ctx.mqttOptions, timeoutMs: ctx.timeoutMs ?? 5000 });
  const parts: string[] = [];
  if (route.onResult.length === 1 && teams.length === 1) parts.push(`RESULT → ${route.onResult[0]!.message}`);
  else if (route.onResult.length > 0) parts.push(`published ${route.onResult.length} verdict${route.onResult.length === 1 ? '' : 's'} to RESULT`);
  parts.push(...deliveries.map(deliverySentence).map((d) => d.text + d.aside));
  return { ok: deliveryExit(deliveries) === ExitCode.ok, text: parts.join('; '), ...(deliveries.length > 0 ? { reply: deliveries } : {}) };
}
