#!/usr/bin/env node
// Entry point of the `mpy-iot` command. The sources are TypeScript, run through tsx's loader so the
// installed package and a git checkout execute the very same files (no stale compiled copy).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
