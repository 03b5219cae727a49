/**
 * The active Smart Select model, apart from the pre-labeling one: while none is chosen, the first
 * promptable card by name in the open datasets' models/ folders; a chosen one is kept per
 * workspace and leaves the pre-labeling model as it is; a promptable card that does not parse is
 * left out (and logged).
 */
import * as assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { SegLabApi } from '../../src/extension';
import { FIXTURE } from './fixture';
import { seglab } from './helpers';

const card = (name: string, family = 'sam') =>
  JSON.stringify({
    kind: 'promptable',
    family,
    name,
    encoder: { file: `${name}.encoder.onnx`, input: { name: 'image' } },
    decoder: { file: `${name}.decoder.onnx` },
  });

describe('The active Smart Select model', () => {
  let api: SegLabApi;
  const files: string[] = [];

  before(async () => {
    api = await seglab();
    const plain = api.datasets.find((d) => d.name === FIXTURE.plain.name);
    assert.ok(plain, 'the plain fixture dataset is open');
    const models = join(plain.uri.fsPath, 'models');
    for (const [file, text] of [
      ['zeta.json', card('zeta-sam')],
      ['alpha.json', card('alpha-sam')],
      ['broken.json', card('broken-sam', 'nope')],
    ]) {
      files.push(join(models, file));
      writeFileSync(join(models, file), text);
    }
  });

  after(() => files.forEach((f) => rmSync(f, { force: true })));

  it('is the first promptable card by name while none is chosen; choosing one keeps the pre-labeling model', async () => {
    const prelabeling = api.models.activeName;
    assert.deepEqual(
      (await api.models.listPromptable()).map((m) => m.name),
      ['alpha-sam', 'zeta-sam'],
      'by name; the broken card is left out',
    );
    const auto = await api.models.activePromptable();
    assert.equal(auto?.name, 'alpha-sam');
    assert.equal(auto?.auto, true);
    const zeta = (await api.models.listPromptable()).find((m) => m.name === 'zeta-sam')!;
    await api.models.setActivePromptable(zeta);
    await vscode.commands.executeCommand('seglab.refresh');
    await api.whenIdle();
    const chosen = await api.models.activePromptable();
    assert.equal(chosen?.name, 'zeta-sam');
    assert.equal(chosen?.auto, false);
    assert.equal(chosen?.card.family, 'sam');
    assert.equal(api.models.activeName, prelabeling, 'the pre-labeling model stays');
    assert.ok(!(await api.models.list()).some((m) => m.name.endsWith('-sam')), 'promptable cards are no pre-labeling models');
  });
});
