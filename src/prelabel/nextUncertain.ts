/**
 * "SegLab: Next Uncertain Image": opens, in the mask editor, the unlabeled image whose prediction
 * by the active model is least confident, then the next one on each call, so the person corrects
 * the most useful images first.
 */
import * as vscode from 'vscode';
import { readManifest, uncertainOrder } from '../core/model/manifest';
import { joinPath } from '../core/paths';
import { pickDataset } from '../commands/pickDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { ModelRegistry } from './modelRegistry';

const MASK_EDITOR = 'seglab.maskEditor';

export class UncertainQueue {
  /** Stems already shown, per dataset and model, so repeated calls move on. */
  private readonly shown = new Map<string, Set<string>>();

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly models: ModelRegistry,
  ) {}

  async next(): Promise<void> {
    const dataset = await pickDataset(this.registry, undefined, vscode.l10n.t('Dataset to review'));
    const index = dataset?.index;
    if (!dataset || !index) return;
    const model = await this.models.active();
    if (!model) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Select a model first ("SegLab: Select Model") and pre-label the dataset with it.'));
      return;
    }
    const folder = joinPath(index.root, index.config.predictionsDir, model.name);
    const manifest = await readManifest(dataset.fs, folder, model.name, '');
    const labeled = new Set(index.images.filter((e) => e.mask).map((e) => e.stem));
    const key = `${dataset.key}|${model.name}`;
    const shown = this.shown.get(key) ?? new Set<string>();
    this.shown.set(key, shown);
    let order = uncertainOrder(manifest, new Set([...labeled, ...shown]));
    if (order.length === 0 && shown.size > 0) {
      shown.clear(); // every image was shown once: start again from the least confident
      order = uncertainOrder(manifest, labeled);
    }
    const stem = order[0];
    const entry = index.images.find((e) => e.stem === stem);
    if (!entry) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('No unlabeled image of {0} has a prediction by {1}; run "SegLab: Pre-label Dataset".', dataset.name, model.name),
      );
      return;
    }
    shown.add(stem);
    const record = manifest.images[stem];
    void vscode.window.setStatusBarMessage(
      vscode.l10n.t('{0}: mean confidence {1}% ({2} images left to review)', stem, Math.round(record.meanConfidence * 100), order.length - 1),
      5000,
    );
    await vscode.commands.executeCommand('vscode.openWith', dataset.resolve(entry.image), MASK_EDITOR);
  }
}
