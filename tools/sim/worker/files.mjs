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

/** The board's own files (everything but the simulator's modules and Emscripten's folders). */
export function readTree(FS, dir = '/', out = {}) {
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
    if (dir === '/' && ['dev', 'proc', 'tmp', 'home', 'sim'].includes(name)) continue;
    const stat = FS.stat(full);
    if (FS.isDir(stat.mode)) readTree(FS, full, out);
    else out[full.slice(1)] = FS.readFile(full);
  }
  return out;
}

/** Folders that are not the board's flash: the simulator's modules and Emscripten's own. */
const NOT_FLASH = /^\/(dev|proc|tmp|home|sim)(\/|$)/;

/**
 * Reports every change to the board's files as it happens, so the host keeps the flash's contents
 * even when this interpreter is ended from outside while it spins (a watchdog bite): a real board's
 * flash keeps what was written. A file closed after writing comes as `onFile(path, contents)`;
 * after a removal or a rename (rare) the whole tree comes as `onTree(files)`.
 */
export function mirrorWrites(FS, onFile, onTree) {
  const { close, write, unlink, rename } = FS;
  const written = new WeakSet();
  FS.write = function (stream, ...rest) {
    written.add(stream);
    return write.call(this, stream, ...rest);
  };
  FS.close = function (stream) {
    const path = stream?.path;
    // Only a stream that wrote: a file opened 'r+' or 'a' and closed untouched costs nothing.
    const wrote = written.has(stream);
    const result = close.call(this, stream);
    if (wrote && typeof path === 'string' && path.startsWith('/') && !NOT_FLASH.test(path) && FS.analyzePath(path).exists) onFile(path.slice(1), FS.readFile(path));
    return result;
  };
  for (const [name, original] of [['unlink', unlink], ['rename', rename]]) {
    FS[name] = function (...args) {
      const result = original.apply(this, args);
      onTree(readTree(FS));
      return result;
    };
  }
}
