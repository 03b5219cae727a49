/**
 * Fine-tune Model… with the setting seglab.training.exportSigmoid on: a dataset without exactly 2
 * classes is refused with a message naming the setting, before any question, upload or job (the
 * export it asks for would not be what the dataset needs). The two-class path, a real job whose
 * exported card is "sigmoid", is tested against the real service in backend/tests and
 * test/training/fineTune.test.ts.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { FIXTURE } from './fixture';
import { datasetNamed, datasetNode, seglab } from './helpers';

describe('Fine-tune Model… with seglab.training.exportSigmoid', () => {
  it('refuses a dataset without 2 classes with a message naming the setting', async function () {
    this.timeout(60_000);
    const api = await seglab();
    const classes = datasetNamed(api, FIXTURE.plain.name).index?.config.classes.length;
    assert.ok(classes !== undefined && classes !== 2, `the fixture has ${String(classes)} classes`);
    const config = vscode.workspace.getConfiguration('seglab.training');
    await config.update('exportSigmoid', true, vscode.ConfigurationTarget.Global);
    const messages: string[] = [];
    const listener = api.onDidReportFailure((message) => messages.push(message));
    try {
      await vscode.commands.executeCommand('seglab.fineTune', datasetNode(api, FIXTURE.plain.name));
    } finally {
      listener.dispose();
      await config.update('exportSigmoid', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.match(
      messages[0],
      new RegExp(`the setting seglab\\.training\\.exportSigmoid is on, but the dataset has ${classes} classes; a sigmoid export needs exactly 2`),
    );
    assert.match(messages[0], /turn the setting off/);
  });
});
