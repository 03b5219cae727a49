import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { SegLabApi } from '../../src/extension';
import { FIXTURE } from './fixture';
import { seglab } from './helpers';

const { best, bestMiou, other } = FIXTURE.plain.models;

describe('The active model', () => {
  let api: SegLabApi;
  before(async () => {
    api = await seglab();
  });

  it('is, on open with none chosen, the model whose card records the best val mIoU', async () => {
    assert.equal(api.models.activeName, best);
    assert.equal(api.models.autoValMiou, bestMiou, 'marked as an automatic choice (the status bar says "auto: best val mIoU")');
    assert.equal((await api.models.active())?.uri.path.endsWith(`/models/${best}.onnx`), true);
  });

  it('chosen by the person is kept in the workspace and not replaced by the better one when the datasets change', async () => {
    const chosen = (await api.models.list()).find((m) => m.name === other);
    assert.ok(chosen, `${other} is listed`);
    await api.models.setActive(chosen);
    await vscode.commands.executeCommand('seglab.refresh');
    await api.whenIdle();
    assert.equal(api.models.activeName, other);
    assert.equal(api.models.autoValMiou, undefined);
    assert.equal((await api.models.active())?.name, other);
  });
});
