// The manifest's user-facing strings live in package.nls.json, and l10n/bundle.l10n.json holds
// every vscode.l10n.t string of the sources, so translators see all of them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const repo = resolve(__dirname, '..', '..');
const readJson = (path: string) => JSON.parse(readFileSync(join(repo, path), 'utf8'));

/** The fields VS Code shows to people, wherever they sit in `contributes`. */
const SHOWN = new Set([
  'title',
  'name',
  'displayName',
  'description',
  'markdownDescription',
  'contents',
  'contextualTitle',
  'category',
  'shortTitle',
  'enumDescriptions',
  'markdownEnumDescriptions',
]);

function* shownStrings(value: unknown, path: string, shown = false): Generator<[string, string]> {
  if (typeof value === 'string') {
    if (shown) yield [path, value];
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* shownStrings(v, `${path}[${i}]`, shown);
  } else if (value && typeof value === 'object') {
    // a property named like a field (e.g. a setting called "name") is not itself shown
    for (const [k, v] of Object.entries(value)) yield* shownStrings(v, `${path}.${k}`, SHOWN.has(k) && !path.endsWith('.properties'));
  }
}

test('every string the manifest shows comes from package.nls.json, and every key there is used', () => {
  const manifest = readJson('package.json');
  const nls: Record<string, string> = readJson('package.nls.json');
  const strings = [
    ...shownStrings(manifest.contributes, 'contributes'),
    ...shownStrings(manifest.capabilities, 'capabilities'), // what Restricted Mode and virtual workspaces say
    ['displayName', manifest.displayName],
    ['description', manifest.description],
  ];
  const used = new Set<string>();
  for (const [path, value] of strings) {
    const key = /^%([^%]+)%$/.exec(value)?.[1];
    assert.ok(key, `${path} is not localisable: "${value}"`);
    assert.ok(key in nls, `${path} uses %${key}%, which package.nls.json lacks`);
    used.add(key);
  }
  assert.deepEqual(
    Object.keys(nls).filter((k) => !used.has(k)),
    [],
    'package.nls.json keys no field uses',
  );
  assert.equal(manifest.l10n, './l10n');
});

test('l10n/bundle.l10n.json holds exactly the strings of the sources (npm run l10n)', () => {
  const out = mkdtempSync(join(tmpdir(), 'seglab-l10n-'));
  try {
    execFileSync(join(repo, 'node_modules', '.bin', 'vscode-l10n-dev'), ['export', '--outDir', out, './src'], { cwd: repo, stdio: 'pipe' });
    const fresh = JSON.parse(readFileSync(join(out, 'bundle.l10n.json'), 'utf8'));
    assert.deepEqual(readJson('l10n/bundle.l10n.json'), fresh, 'run `npm run l10n` and commit l10n/bundle.l10n.json');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
