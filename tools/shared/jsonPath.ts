/** Turns a JSON Pointer (`/devices/0/mqtt/qos`) into the path users read (`devices[0].mqtt.qos`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(token)) out += `[${token}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(token)) out += out === '' ? token : `.${token}`;
    else out += `[${JSON.stringify(token)}]`;
  }
  return out;
}

/** Joins path segments the same way (`['devices', 0, 'name']` → `devices[0].name`). */
export function joinPath(...segments: (string | number)[]): string {
  return pointerToPath('/' + segments.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/'));
}

/** Reads the value at a JSON Pointer, or undefined when the path does not exist. */
export function valueAtPointer(document: unknown, pointer: string): unknown {
  let current: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[token];
  }
  return current;
}

/** Splits a path users read (`devices[0].mqtt["a.b"]`) back into its segments; the inverse of joinPath. */
export function pathSegments(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  for (const m of path.matchAll(/\.?([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    segments.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  }
  return segments;
}
