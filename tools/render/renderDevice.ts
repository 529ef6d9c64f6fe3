// Pure: (device, board, sources) → the files of build/<device>/ (before compilation).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ResolvedDevice } from '../config/types.ts';
import { InputError } from '../errors.ts';
import { joinPath } from '../shared/jsonPath.ts';
import { deviceTlsPath, renderConfigPy } from './configPy.ts';
import type { FirmwareSources } from './sources.ts';

export interface RenderedFile {
  /** Path on the device, relative to its root (`main.py`, `lib/mpyiot/app.py`). */
  path: string;
  contents: Uint8Array;
  /** runtime modules may ship as .mpy; entry files and config stay source. */
  role: 'entry' | 'config' | 'runtime' | 'certificate';
}

export function renderDevice(device: ResolvedDevice, sources: FirmwareSources): RenderedFile[] {
  const templates = sources.templates.get(device.board.family);
  if (!templates) throw new InputError(`no templates for board family '${device.board.family}'`, [], { hint: `add templates/${device.board.family}/` });
  const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
  // ESP8266's axTLS reads DER only; other boards take the files as they are.
  const tlsFormat = device.board.tls.formats.includes('pem') ? 'pem' : 'der';
  const files: RenderedFile[] = [
    ...[...templates].map(([name, source]): RenderedFile => ({ path: name, contents: text(source), role: 'entry' })),
    { path: 'config.py', contents: text(renderConfigPy(device, sources.toolVersion, tlsFormat)), role: 'config' },
    ...[...sources.runtime].map(([name, source]): RenderedFile => ({ path: name, contents: text(source), role: 'runtime' })),
  ];
  if (device.mqtt.tls) {
    for (const kind of ['ca', 'cert', 'key'] as const) {
      const file = device.mqtt.tlsFiles[kind];
      if (file === null) continue;
      files.push({ path: deviceTlsPath(kind, tlsFormat), contents: readTlsFile(file, kind, tlsFormat, device), role: 'certificate' });
    }
  }
  return files;
}

/** Reads a certificate or key, converting PEM to DER when the board needs DER. */
function readTlsFile(file: string, kind: 'ca' | 'cert' | 'key', format: 'pem' | 'der', device: ResolvedDevice): Uint8Array {
  const data = readFileSync(file);
  const isPem = data.includes('-----BEGIN');
  if (format === 'pem' || !isPem) return data;
  try {
    if (kind === 'key') return createPrivateKey(data).export({ format: 'der', type: 'pkcs1' });
    return new Uint8Array(new X509Certificate(data).raw);
  } catch (cause) {
    throw new InputError(`cannot convert ${file} to DER for ${device.board.id}`, [
      { path: joinPath('devices', device.index, 'mqtt', 'tls', kind), message: `not a readable PEM ${kind === 'key' ? 'RSA private key' : 'certificate'}`, severity: 'error', file },
    ], { cause, hint: 'ESP8266 (axTLS) needs DER: openssl x509 -in ca.pem -outform der -out ca.der' });
  }
}
