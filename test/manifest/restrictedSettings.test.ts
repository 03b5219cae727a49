// Restricted Mode: the settings that make SegLab load and run files or programs are ignored when a
// workspace sets them, both by VS Code (the manifest's restrictedConfigurations) and by the code
// that reads them (restrictedValue).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type * as vscode from 'vscode';
import { RESTRICTED_KEYS, restrictedValue } from '../../src/restrictedSettings';

const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

test('the manifest restricts exactly the settings that load models, pre-label on open, run Python or choose the backend', () => {
  const untrusted = manifest.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, 'limited');
  assert.deepEqual(untrusted.restrictedConfigurations, ['seglab.models', 'seglab.prelabel.onOpen', 'seglab.training.python', 'seglab.training.backendUrl']);
  assert.deepEqual(
    untrusted.restrictedConfigurations,
    RESTRICTED_KEYS.map((k) => `seglab.${k}`),
  );
  const contributed = manifest.contributes.configuration.properties;
  for (const name of untrusted.restrictedConfigurations) assert.ok(name in contributed, `${name} is no contributed setting`);
});

/** A WorkspaceConfiguration whose values come from `inspect`-shaped layers, as VS Code merges them. */
function configuration(
  layers: Record<string, { defaultValue?: unknown; globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }>,
): vscode.WorkspaceConfiguration {
  return {
    get: (key: string, fallback?: unknown) => {
      const l = layers[key] ?? {};
      return l.workspaceFolderValue ?? l.workspaceValue ?? l.globalValue ?? l.defaultValue ?? fallback;
    },
    inspect: (key: string) => ({ key, ...layers[key] }),
  } as unknown as vscode.WorkspaceConfiguration;
}

test("an untrusted workspace's own values are ignored: the user's value or the default counts", () => {
  const config = configuration({
    models: { defaultValue: [], globalValue: ['~/models'], workspaceValue: ['./evil'] },
    'prelabel.onOpen': { defaultValue: false, workspaceFolderValue: true },
    'training.python': { defaultValue: 'python3', workspaceValue: './run-me.sh' },
  });
  assert.deepEqual(restrictedValue(config, 'models', [], false), ['~/models']);
  assert.equal(restrictedValue(config, 'prelabel.onOpen', false, false), false);
  assert.equal(restrictedValue(config, 'training.python', 'python3', false), 'python3');
  assert.equal(restrictedValue(config, 'training.backendUrl', 'http://127.0.0.1:8765', false), 'http://127.0.0.1:8765');
  // Trusted: the workspace's values apply as usual.
  assert.deepEqual(restrictedValue(config, 'models', [], true), ['./evil']);
  assert.equal(restrictedValue(config, 'prelabel.onOpen', false, true), true);
});
