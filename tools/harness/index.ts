// The harness as a library: subscriptions from a project, payload validation and per-board stats,
// live watching, verdicts, reports, grading and command round trips. Nothing here prints.
export { watchTargets, topicFilter, normalizeMac, filterMatches, filterCovers, type WatchTargets } from './topics.ts';
export { loadPayloadValidator, payloadValidator, DEFAULT_SCHEMA_PATH, type PayloadValidator } from './schema.ts';
export { TelemetryTracker, DEFAULT_MAX_PAYLOAD_BYTES, type TrackerOptions } from './tracker.ts';
export { startWatch, Watch, type WatchOptions, type WatchEvents, type ConnectionState } from './watch.ts';
export { evaluate, verify, deviceLabel, collisionReason, type VerifyOptions } from './verdict.ts';
export { toJUnitXml, toJsonReport, xmlEscape, type JsonReport } from './report.ts';
export { gradeTeams, gradingPlan, gradesCsv, publishResults, resultPayload, resultBody, type VerdictFields, speakingRow, type TeamGrade, type ClassGrades, type ForeignBoard, type GradeOptions, type GradingPlan } from './grade.ts';
export { LANGUAGES, gradingText, type Language } from './gradeText.ts';
export { deliverVerdicts, deliveryExit, deliverySentence, routeVerdicts, sendVerdicts, listensOnResult, type VerdictDelivery, type VerdictRoute } from './verdicts.ts';
export { sendCommand, newRequestId, isUnknownCommand, type SendCommandOptions, type CommandRoundTrip, type CommandReply } from './command.ts';
export { connectOnce, endClient, publishAcked, publishOnce, publishAll, brokerError, safeUrl, type MqttOptions, type PublishOptions } from './client.ts';
export type * from './types.ts';
