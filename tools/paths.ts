import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Root of the installed mpy-iot package (where boards/, templates/, firmware/, schema/ live). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const packagePaths = {
  boards: path.join(packageRoot, 'boards'),
  templates: path.join(packageRoot, 'templates'),
  firmware: path.join(packageRoot, 'firmware'),
  schema: path.join(packageRoot, 'schema'),
  packageJson: path.join(packageRoot, 'package.json'),
} as const;
