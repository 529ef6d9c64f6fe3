// Ruff settings for every Python file we ship or render: firmware/, templates/ and build output.
// The same object feeds ruff-wasm here and could be written out as a ruff.toml for editors.

export const ruffSettings = {
  // Long enough for a topic template or a log line on one line, short enough to read on a laptop.
  'line-length': 110,
  // MicroPython's syntax is roughly Python 3.4 plus f-strings; py38 is the oldest target ruff
  // checks that keeps rules from suggesting newer syntax (walrus aside, which we simply avoid).
  'target-version': 'py38',
  lint: {
    // pycodestyle errors and warnings plus pyflakes (unused imports, undefined names, …).
    // MicroPython-only names such as `const` are imported from `micropython`, so no extra builtins.
    select: ['E', 'F', 'W'],
  },
} as const;
