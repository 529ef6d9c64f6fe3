// The board's filesystem in and out of the interpreter's (Emscripten) FS: what survives a reset.

export function writeTree(FS, files) {
  for (const [file, contents] of Object.entries(files)) {
    let dir = '';
    for (const part of file.split('/').slice(0, -1)) {
      dir += '/' + part;
      if (!FS.analyzePath(dir).exists) FS.mkdir(dir);
    }
    FS.writeFile('/' + file, contents);
  }
}

/** Folders that are not the board's flash: the simulator's modules and Emscripten's own. */
const NOT_FLASH = /^\/(dev|proc|tmp|home|sim)(\/|$)/;

/** The board's own files (everything but the simulator's modules and Emscripten's folders). */
export function readTree(FS, dir = '/', out = {}) {
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
    if (NOT_FLASH.test(full)) continue;
    const stat = FS.stat(full);
    if (FS.isDir(stat.mode)) readTree(FS, full, out);
    else out[full.slice(1)] = FS.readFile(full);
  }
  return out;
}

/**
 * Reports every change to the board's files as it happens, so the host keeps the flash's contents
 * even when this interpreter is ended from outside while it spins (a watchdog bite): a real board's
 * flash keeps what was written. `report` gets { t: 'file', path, contents } for a file closed after
 * writing, { t: 'unlink', path } and { t: 'rename', from, to } (a folder's files move with it), and
 * the whole tree ({ t: 'files', files }) only for a rename into or out of the flash.
 */
export function mirrorWrites(FS, report) {
  const { close, write, unlink, rename } = FS;
  const written = new WeakSet();
  const absolute = (path) => FS.lookupPath(path).path;
  FS.write = function (stream, ...rest) {
    written.add(stream);
    return write.call(this, stream, ...rest);
  };
  FS.close = function (stream) {
    const path = stream?.path;
    // Only a stream that wrote: a file opened 'r+' or 'a' and closed untouched costs nothing.
    const wrote = written.has(stream);
    const result = close.call(this, stream);
    if (wrote && typeof path === 'string' && path.startsWith('/') && !NOT_FLASH.test(path) && FS.analyzePath(path).exists) report({ t: 'file', path: path.slice(1), contents: FS.readFile(path) });
    return result;
  };
  FS.unlink = function (path) {
    const full = absolute(path);
    const result = unlink.call(this, path);
    if (!NOT_FLASH.test(full)) report({ t: 'unlink', path: full.slice(1) });
    return result;
  };
  FS.rename = function (from, to) {
    const source = absolute(from);
    const result = rename.call(this, from, to);
    const target = absolute(to);
    const inFlash = [source, target].filter((p) => !NOT_FLASH.test(p)).length;
    if (inFlash === 2) report({ t: 'rename', from: source.slice(1), to: target.slice(1) });
    else if (inFlash === 1) report({ t: 'files', files: readTree(FS) });
    return result;
  };
}
