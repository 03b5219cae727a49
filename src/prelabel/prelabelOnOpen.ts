/**
 * Setting `seglab.prelabel.onOpen`: an unlabeled image that opens in the mask editor is pre-labeled
 * at once by the active model, as one undoable edit that nothing saves until the person does. With
 * "Next Unlabeled Image" this makes the loop one key per image: open, correct, save and move on.
 * A workspace cannot turn it on in Restricted Mode (restrictedSettings.ts).
 */
import * as vscode from 'vscode';
import { reportFailure } from '../commands/safeCommand';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import { restrictedValue } from '../restrictedSettings';
import type { MaskDocument } from '../editor/maskDocument';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import type { HostPredictor } from './hostPredictor';
import type { ModelRegistry } from './modelRegistry';
import { prelabelPanel } from './prelabelImage';

export function prelabelOnOpen(editors: MaskEditorProvider, registry: DatasetRegistry, models: ModelRegistry, predictor: HostPredictor): vscode.Disposable {
  /** Documents pre-labeled already: a second editor on the same image does not run the model again. */
  const done = new WeakSet<MaskDocument>();
  return editors.onDidReportCapabilities(async (target) => {
    const { document } = target;
    const onOpen = restrictedValue(vscode.workspace.getConfiguration('seglab'), 'prelabel.onOpen', false, vscode.workspace.isTrusted);
    if (!onOpen || done.has(document) || document.dirty) return;
    done.add(document);
    try {
      if (await document.fs.stat(document.model.context.maskPath)) return; // labeled: the person's mask stays as it is
      const model = await models.active();
      if (model) await prelabelPanel(editors, registry, models, predictor, target, model);
    } catch (error) {
      reportFailure(predictor.log, `Pre-label on open failed on ${document.uri.fsPath}`, error);
    }
  });
}
