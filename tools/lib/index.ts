// `import { connectFleet, expectTelemetry, startBroker, simulate } from 'mpy-iot'`: the library over
// the very code the CLI runs (tools/broker, tools/harness, tools/sim, tools/render). Compiled to
// dist/ with .d.ts (tsconfig.build.json), so importing it needs no TypeScript loader. Nothing prints.
export { startBroker } from '../broker/index.ts';
export type { RunningBroker, BrokerOptions, BrokerEvent } from '../broker/index.ts';
export { connectFleet, Fleet, type ConnectFleetOptions, type FleetEvents, type TelemetryEvent, type InvalidTelemetryEvent, type StatusEvent, type SendOptions } from './fleet.ts';
export { expectTelemetry, waitForTelemetry, type ExpectTelemetryOptions } from './expect.ts';
export { simulate, type SimulateOptions, type Simulation } from './simulate.ts';
export { commandRequest, type CommandRequest, type CommandOutcome } from './commands.ts';
export { openProject, projectSchemaPath, type ProjectSource } from './project.ts';
export { loadProject, type LoadedProject, type ResolvedDevice, type ProjectFile } from '../config/index.ts';
export { buildProject, type DeviceBuild } from '../render/build.ts';
export { sendCommand, payloadValidator, loadPayloadValidator, evaluate } from '../harness/index.ts';
export type { MessageResult, PayloadError, Snapshot, DeviceStats, Verdict, EvaluateOptions, CommandReply, CommandRoundTrip, MqttOptions } from '../harness/index.ts';
export { startVirtualBoard, VirtualBoard } from '../sim/board.ts';
export type { VirtualBoardOptions, ConsoleLine } from '../sim/board.ts';
export { MpyIotError, InputError, DeviceError, VerificationError, ExitCode } from '../errors.ts';
