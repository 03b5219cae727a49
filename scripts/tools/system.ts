// The Debian packages a command needs, through scripts/setup-system.sh (one script for every
// command: it installs what is missing with root or sudo, or says in one line why it cannot).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export type SystemNeeds = 'demo' | 'tools' | 'vscode' | 'e2e' | 'bench' | 'test';

/** A failure whose message has already been printed: callers exit without printing more. */
export class SetupFailed extends Error {}

export function ensureSystemPackages(what: SystemNeeds): void {
  // Two folders down from the repository here and in test:vscode's bundle (out/vscode-test).
  const script = resolve(import.meta.dirname, '..', '..', 'scripts', 'setup-system.sh');
  const r = spawnSync('bash', [script, what], { stdio: 'inherit' });
  if (r.status !== 0) throw new SetupFailed(`setup-system.sh ${what} exited with ${r.status ?? r.signal}`);
}
