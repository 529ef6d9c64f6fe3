// The firmware's command set (firmware/mpyiot/commands.py and app.py's status()), as JSON Schema:
// what each command takes and what its reply's `result` holds. codegen turns it into typed
// builders and reply types; test/codegen checks the names against the firmware and round-trips
// every command on a virtual board, so this table cannot drift from what the boards answer.
import type { JsonSchema } from './schemaTypes.ts';

export interface CommandParam {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

export interface CommandSpec {
  /** The `cmd` the firmware dispatches on. */
  name: string;
  description: string;
  params: CommandParam[];
  result: JsonSchema;
}

const uint = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });

export const FIRMWARE_COMMANDS: CommandSpec[] = [
  {
    name: 'ping',
    description: 'Liveness check: the reply comes from the board\'s main loop.',
    params: [],
    result: { type: 'object', required: ['pong'], properties: { pong: { const: true } } },
  },
  {
    name: 'status',
    description: 'The board\'s health: network, heap, counters and the telemetry interval.',
    params: [],
    result: {
      type: 'object',
      required: ['ip', 'rssi', 'heap', 'uptime', 'seq', 'interval', 'buffered', 'dropped', 'connects', 'mac'],
      properties: {
        ip: { type: ['string', 'null'], description: 'Wi-Fi address, null while not associated.' },
        rssi: { type: ['integer', 'null'], description: 'Wi-Fi signal in dBm, null where the port cannot tell.' },
        heap: uint('Free MicroPython heap in bytes.'),
        uptime: uint('Seconds since boot.'),
        seq: uint('Sequence number of the next telemetry payload.'),
        interval: { type: 'number', description: 'Telemetry interval in seconds.' },
        buffered: uint('Payloads waiting in the offline buffer.'),
        dropped: uint('Payloads dropped because the offline buffer was full.'),
        connects: uint('MQTT connections made since boot.'),
        mac: { type: 'string', description: 'The board\'s MAC as 12 lowercase hex digits.' },
      },
    },
  },
  {
    name: 'set_interval',
    description: 'Changes the telemetry interval; the next payload comes one new interval from now.',
    params: [{ name: 'seconds', required: true, schema: { type: 'number', minimum: 1, maximum: 86400, description: 'Seconds between payloads (fractions allowed).' } }],
    result: { type: 'object', required: ['interval'], properties: { interval: { type: 'number', description: 'The interval now in force, in seconds.' } } },
  },
  {
    name: 'publish_now',
    description: 'Publishes a payload in the next loop, without moving the schedule.',
    params: [],
    result: { type: 'object', required: ['scheduled'], properties: { scheduled: { const: true } } },
  },
  {
    name: 'led',
    description: 'Turns the board\'s LED on or off, or blinks it (refused on a board without an LED).',
    params: [
      { name: 'state', required: true, schema: { enum: ['on', 'off', 'blink'] } },
      { name: 'times', required: false, schema: { type: 'integer', minimum: 1, maximum: 20, default: 3, description: 'Blinks (for "blink").' } },
    ],
    result: { type: 'object', required: ['state'], properties: { state: { enum: ['on', 'off', 'blink'] }, times: { type: 'integer', description: 'Present for "blink".' } } },
  },
  {
    name: 'state',
    description: 'Publishes the state document again on the status topic (where nothing is retained, as on IoT Core).',
    params: [],
    result: { type: 'object', required: ['published'], properties: { published: { const: true } } },
  },
  {
    name: 'result',
    description: 'A verdict where there is no RESULT topic (IoT Core): the board prints the line a RESULT message with these fields would, if it is addressed to it, its group or everyone.',
    params: [
      { name: 'message', required: true, schema: { type: 'string', description: 'The text the board prints.' } },
      { name: 'passed', required: false, schema: { type: 'boolean', description: 'Shown as [passed=…].' } },
      { name: 'grade', required: false, schema: { type: ['number', 'string'], description: 'Shown as [grade=…].' } },
      { name: 'group', required: false, schema: { type: 'string', description: 'Only boards of this group print it ("" or absent: everyone).' } },
      { name: 'device', required: false, schema: { type: 'string', description: 'Only the board of this project device prints it (with students and group).' } },
      { name: 'students', required: false, schema: { type: 'array', items: { type: 'string' }, description: 'With device: the team\'s students, as on the roster.' } },
      { name: 'mac', required: false, schema: { type: 'string', description: 'Only the board with this MAC prints it (any format).' } },
    ],
    result: { type: 'object', required: ['shown'], properties: { shown: { type: 'boolean', description: 'Printed (false: addressed to another board or group).' } } },
  },
  {
    name: 'reboot',
    description: 'Replies, publishes {"status": "offline"}, disconnects and resets the board a second later.',
    params: [],
    result: { type: 'object', required: ['rebooting'], properties: { rebooting: { const: true } } },
  },
];
