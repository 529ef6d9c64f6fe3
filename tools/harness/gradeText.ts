// The words of a verdict, per grading language (`grading.language` in the project file). A Russian
// message must not carry English reasons: payload errors are translated too (the JSON Pointer stays).
import { seconds, type TooFast } from './rate.ts';
import type { PayloadError, TeamMismatch } from './types.ts';

export type Language = 'ru' | 'en';
export const LANGUAGES: readonly Language[] = ['ru', 'en'];

export interface GradingText {
  passed(valid: number): string;
  failed: string;
  silent(seconds: number): string;
  /** `topics`: where the team's telemetry was expected, as the project writes them (`DATA/{mac}`). */
  noTelemetry(seconds: number, presence: 'online' | 'offline' | 'unknown', topics: string[]): string;
  invalid(invalid: number, messages: number, first: PayloadError): string;
  /** `slow`: the measured and the project's interval, when the board publishes well below its rate. */
  tooFew(valid: number, min: number, seconds: number, slow?: { meanMs: number; expectedMs: number }): string;
  /** The payload names the team otherwise than the roster (a typo in group or students). */
  mismatch(m: TeamMismatch): string;
  /** Nothing under the team's name, but a board whose birth names the team sends as another team. */
  claimedBy(board: string, sent: string, expected: string): string;
  /** Its seq started over more than once in the window. */
  rebooted(times: number, seconds: number): string;
  /** Publishes far more often than the project's interval. */
  tooFast(f: TooFast, windowSeconds: number): string;
}

/** `'Иванов И.И, Петрова А.С' (БАГ-18-01)` */
export const teamName = (students: string[], group: string): string => `'${students.join(', ')}' (${group})`;
const list = (names: string[]): string => `'${names.join(', ')}'`;

const en: GradingText = {
  passed: (valid) => `accepted: ${valid} valid payload${valid === 1 ? '' : 's'}`,
  failed: 'not accepted',
  silent: (s) => `nothing received in ${s} s (no telemetry, no status)`,
  noTelemetry: (s, presence, topics) => `no telemetry on ${topics.join(', ')} in ${s} s${presence === 'online' ? ', though the board is online: check the topic it publishes to and its interval' : presence === 'offline' ? ': the board is offline (its last will)' : ''}`,
  invalid: (n, total, first) => `${n} of ${total} payloads invalid: ${first.reason}`,
  tooFew: (valid, min, s, slow) => `${valid} valid payload${valid === 1 ? '' : 's'} in ${s} s, at least ${min} needed${slow ? ` (it publishes every ${seconds(slow.meanMs)}, the project says every ${seconds(slow.expectedMs)})` : ''}`,
  mismatch: (m) => [
    m.group && `the payload says group '${m.group.sent}', the class list says '${m.group.expected}'`,
    m.students && (m.students.sent.length === 0 ? `the payload names no students, the class list says ${list(m.students.expected)}` : `the payload says students ${list(m.students.sent)}, the class list says ${list(m.students.expected)}`),
  ].filter(Boolean).join('; '),
  claimedBy: (board, sent, expected) => `board ${board} says it is this team, but its payload names ${sent}; the class list says ${expected}`,
  rebooted: (n, s) => `the board rebooted ${n} times in ${s} s (its seq started over): look at its console for the error before each reset`,
  tooFast: (f, s) => `publishes every ${seconds(f.meanMs)} (${f.messages} payloads in ${s} s), the project says every ${seconds(f.expectedMs)}`,
};

const ru: GradingText = {
  passed: (valid) => `зачтено (корректных сообщений: ${valid})`,
  failed: 'не зачтено',
  silent: (s) => `за ${s} с ничего не получено (ни телеметрии, ни статуса)`,
  noTelemetry: (s, presence, topics) => `за ${s} с нет телеметрии в ${topics.join(', ')}${presence === 'online' ? ', хотя плата на связи: проверьте тему публикации и интервал' : presence === 'offline' ? ': плата не в сети' : ''}`,
  invalid: (n, total, first) => `некорректных сообщений ${n} из ${total}: ${russianReason(first)}`,
  tooFew: (valid, min, s, slow) => `за ${s} с корректных сообщений ${valid}, нужно не меньше ${min}${slow ? ` (сообщения раз в ${seconds(slow.meanMs).replace(' s', ' с')}, а по заданию — раз в ${seconds(slow.expectedMs).replace(' s', ' с')})` : ''}`,
  mismatch: (m) => [
    m.group && `в сообщениях группа '${m.group.sent}', а в списке класса '${m.group.expected}'`,
    m.students && (m.students.sent.length === 0 ? `в сообщениях нет студентов, а в списке класса ${list(m.students.expected)}` : `в сообщениях студенты ${list(m.students.sent)}, а в списке класса ${list(m.students.expected)}`),
  ].filter(Boolean).join('; '),
  claimedBy: (board, sent, expected) => `плата ${board} называет себя этой командой, но в её сообщениях ${sent}, а в списке класса ${expected}`,
  rebooted: (n, s) => `плата перезагрузилась ${n} раз за ${s} с (seq начинался заново): посмотрите в консоли ошибку перед перезагрузкой`,
  tooFast: (f, s) => `сообщения каждые ${seconds(f.meanMs).replace(' s', ' с')} (${f.messages} за ${s} с), а по заданию — раз в ${seconds(f.expectedMs).replace(' s', ' с')}`,
};

export function gradingText(language: Language): GradingText {
  return language === 'ru' ? ru : en;
}

const TYPES: Record<string, string> = {
  number: 'числом', integer: 'целым числом', string: 'строкой', array: 'массивом', object: 'объектом', boolean: 'true или false',
};

/** The Russian for the payload errors students actually make; anything rarer keeps ajv's words. */
export function russianReason(e: PayloadError): string {
  const at = e.path ? `поле ${e.path}: ` : '';
  switch (e.kind) {
    case 'empty':
      return 'пустое сообщение';
    case 'not-utf8':
      return 'текст не в UTF-8';
    case 'not-json':
      return 'не JSON';
    case 'too-large':
      return 'слишком большое сообщение';
    case 'schema':
      break;
  }
  const type = /^must be (\w+)$/.exec(e.message);
  if (type && TYPES[type[1]!]) return `${at}должно быть ${TYPES[type[1]!]}`;
  const required = /^missing required field '(.*)'$/.exec(e.message);
  if (required) return `нет обязательного поля '${required[1]}'`;
  if (e.message.startsWith('is not allowed')) return `${at}лишнее поле`;
  const range = /^must be ([<>]=?) (.+)$/.exec(e.message);
  if (range) return `${at}должно быть ${range[1]} ${range[2]}`;
  if (/^must NOT have fewer than/.test(e.message)) return `${at}не должно быть пустым`;
  return e.reason;
}
