// `import { … } from 'mpy-iot'`: the library over the code the CLI runs (broker, harness, virtual
// boards). Compiled to dist/ with .d.ts (tsconfig.build.json); nothing here prints.
export { startBroker } from '../broker/index.ts';
export type { RunningBroker, BrokerOptions, BrokerEvent } from '../broker/index.ts';
