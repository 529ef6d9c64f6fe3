#!/usr/bin/env node
// Entry point of the `mpy-iot` command. The sources are TypeScript, run through tsx's loader so the
// installed package and a git checkout execute the very same files (no stale compiled copy).
// Loading the sources takes a second or more; a Ctrl-C in that time would otherwise kill the
// process with no output at all, and `--json` promises one document whatever happens. Until main()
// installs its own handlers (in the same tick as this one is removed), answer it here — installed
// before tsx is even imported (a static import would load first).
const argv = process.argv.slice(2);
const interruptedEarly = () => {
  const error = { type: 'Interrupted', message: 'interrupted (Ctrl-C)', exitCode: 130 };
  if (argv.includes('--jsonl') && !argv.includes('--json')) process.stdout.write(`${JSON.stringify({ type: 'error', at: new Date().toISOString(), ok: false, error })}\n`);
  else if (argv.includes('--json') || argv.includes('--jsonl')) process.stdout.write(`${JSON.stringify({ ok: false, error }, null, 2)}\n`);
  process.exit(130);
};
process.on('SIGINT', interruptedEarly);
process.on('SIGTERM', interruptedEarly);

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('./main.ts');
process.off('SIGINT', interruptedEarly);
process.off('SIGTERM', interruptedEarly);
const code = await main(argv);
process.exitCode = code;
// Output drains and the process ends by itself; if a library left a handle open (a socket, a
// serial port), do not hang the shell: exit anyway shortly after.
setTimeout(() => process.exit(code), 500).unref();
