#!/usr/bin/env node
// Entry point of the `mpy-iot` command. The sources are TypeScript, run through tsx's loader so the
// installed package and a git checkout execute the very same files (no stale compiled copy).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Output drains and the process ends by itself; if a library left a handle open (a socket, a
// serial port), do not hang the shell: exit anyway shortly after.
setTimeout(() => process.exit(code), 500).unref();
