// code-server reads ~/.config/code-server/config.yaml (writing a default one with a password on
// its first run, and logging that before anything else) unless --config names another file.
// Every code-server SegLab starts gets its own, written beforehand: the user's is never read or
// written, and a first run behaves like every other.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `--config <dir>/code-server.yaml`, the file written (the command line sets everything else). */
export function configArgs(dir: string): string[] {
  const file = join(dir, 'code-server.yaml');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, 'auth: none\ncert: false\n');
  return ['--config', file];
}

/** Its own config and user-data folder in `dir`, for one-off commands such as `--version`. */
export const isolatedArgs = (dir: string): string[] => [...configArgs(dir), '--user-data-dir', dir];
