// The words of a verdict, per grading language (`grading.language` in the project file). A Russian
// message must not carry English reasons: payload errors are translated too (the JSON Pointer stays).
import type { PayloadError } from './types.ts';

export type Language = 'ru' | 'en';
export const LANGUAGES: readonly Language[] = ['ru', 'en'];

export interface GradingText {
  passed(valid: number): string;
  failed: string;
  silent(seconds: number): string;
  noTelemetry(seconds: number, online: boolean): string;
  invalid(invalid: number, messages: number, first: PayloadError): string;
  tooFew(valid: number, min: number, seconds: number): string;
}

const en: GradingText = {
  passed: (valid) => `accepted: ${valid} valid payload${valid === 1 ? '' : 's'}`,
  failed: 'not accepted',
  silent: (s) => `nothing received in ${s} s (no telemetry, no status)`,
  noTelemetry: (s, online) => `no telemetry in ${s} s${online ? ' (the board is online)' : ''}`,
  invalid: (n, total, first) => `${n} of ${total} payloads invalid: ${first.reason}`,
  tooFew: (valid, min, s) => `${valid} valid payload${valid === 1 ? '' : 's'} in ${s} s, at least ${min} needed`,
};

const ru: GradingText = {
  passed: (valid) => `зачтено (корректных сообщений: ${valid})`,
  failed: 'не зачтено',
  silent: (s) => `за ${s} с ничего не получено (ни телеметрии, ни статуса)`,
  noTelemetry: (s, online) => `за ${s} с нет телеметрии${online ? ' (плата на связи)' : ''}`,
  invalid: (n, total, first) => `некорректных сообщений ${n} из ${total}: ${russianReason(first)}`,
  tooFew: (valid, min, s) => `за ${s} с корректных сообщений ${valid}, нужно не меньше ${min}`,
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
