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
