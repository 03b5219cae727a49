// scripts/setup-system.sh: which packages each command needs, and one line when it cannot install them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

const script = resolve('scripts', 'setup-system.sh');
const isRoot = process.getuid?.() === 0;

// A PATH with only what the script itself runs: make, g++ and python3 look missing.
const bareBin = mkdtempSync(join(tmpdir(), 'seglab-setup-bin-'));
chmodSync(bareBin, 0o755); // nobody runs from it
after(() => rmSync(bareBin, { recursive: true, force: true }));
for (const tool of ['id', 'sort']) symlinkSync(`/usr/bin/${tool}`, join(bareBin, tool));

test('setup-system.sh: without root or sudo, one line names the missing packages and the command', { skip: !isRoot && 'needs root to run as nobody' }, () => {
  const r = spawnSync('runuser', ['-u', 'nobody', '--', '/usr/bin/env', `PATH=${bareBin}`, '/bin/bash', script, 'demo'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0],
    /^SegLab \(demo\) needs the Debian packages build-essential python3\b.*needs root or sudo: run 'apt-get install -y build-essential python3/,
  );
});

test('setup-system.sh: an unknown command is a usage error', () => {
  const r = spawnSync('bash', [script, 'deploy'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command 'deploy'/);
});

test('setup-system.sh: nothing to do when the packages are there (this machine ran it)', () => {
  for (const what of ['demo', 'e2e']) assert.equal(spawnSync('bash', [script, what], { stdio: 'ignore' }).status, 0, what);
});
