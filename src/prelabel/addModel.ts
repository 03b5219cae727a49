/**
 * "SegLab: Add Model…": imports an .onnx into a dataset's models/ folder with a card. An existing
 * card next to the file is copied (and checked); otherwise the card is written from what the
 * file says, asking only for the name, the architecture and the input normalisation.
 */
import * as vscode from 'vscode';
import { ARCHITECTURES, formatModelCard, MODELS_FOLDER, parseModelCard, type ModelCard } from '../core/model/card';
import { cardPathFor, loadModel } from '../core/model/load';
import { guessArchitecture, newCard, NORMALISATIONS, type Normalisation } from '../core/model/newCard';
import { roundUp } from '../core/model/preprocess';
import { declaredChannels, defaultOutputName, DEFAULT_MULTIPLE_OF } from '../core/model/resolve';
import { joinPath, stemOf, baseName } from '../core/paths';
import { pickDataset } from '../commands/pickDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import { VscodeFileSystem } from '../dataset/vscodeFileSystem';
import { sha256Hex } from '../core/hash';
import { hostBackend } from './hostModel';
import type { ModelRegistry } from './modelRegistry';

const PROBE = 64;

export async function addModel(registry: DatasetRegistry, models: ModelRegistry, log: vscode.LogOutputChannel, target?: TreeNode | vscode.Uri): Promise<void> {
  const [file] =
    (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('ONNX model')]: ['onnx'] }, openLabel: vscode.l10n.t('Add Model') })) ?? [];
  if (!file) return;
  const dataset = await pickDataset(registry, target instanceof vscode.Uri ? undefined : target, vscode.l10n.t('Dataset whose models/ folder receives the model'));
  if (!dataset?.index) return;
  const sourceFs = new VscodeFileSystem(file);
  const bytes = await sourceFs.readFile(file.path);
  const hash = await sha256Hex(bytes);
  let card: ModelCard | undefined;
  const sourceCard = cardPathFor(file.path);
  if (await sourceFs.stat(sourceCard)) card = parseModelCard(new TextDecoder().decode(await sourceFs.readFile(sourceCard)), sourceCard);
  if (!card) {
    card = await askCard(bytes, file, hash, dataset.index.config.classes, log);
    if (!card) return;
  }
  const folder = joinPath(dataset.index.root, MODELS_FOLDER);
  const modelPath = joinPath(folder, `${card.name}.onnx`);
  if (await dataset.fs.stat(modelPath)) {
    const replace = vscode.l10n.t('Replace');
    if ((await vscode.window.showWarningMessage(vscode.l10n.t('{0} already exists. Replace it?', modelPath), { modal: true }, replace)) !== replace) return;
  }
  await dataset.fs.createDirectory(folder);
  await dataset.fs.writeFileAtomic(modelPath, bytes);
  await dataset.fs.writeFileAtomic(cardPathFor(modelPath), new TextEncoder().encode(formatModelCard({ ...card, sha256: hash })));
  // Check it the way pre-labeling will use it (class matching included) before making it active.
  const entry = (await models.list()).find((m) => m.uri.toString() === dataset.resolve(modelPath).toString());
  if (!entry) throw new Error(`${modelPath}: written but not found among the models`);
  const loaded = await loadModel({ fs: entry.fs, createBackend: (b) => hostBackend(b, log) }, entry.path, { classes: dataset.index.config.classes, ignoreIndex: dataset.index.config.ignoreIndex, path: dataset.uri.fsPath });
  await loaded.backend.release();
  await models.setActive(entry);
  void vscode.window.showInformationMessage(vscode.l10n.t('Model {0} added to {1} and selected.', card.name, dataset.name));
}

/** Reads names and shapes from the file, probes the output stride and channels, asks the rest. */
async function askCard(bytes: Uint8Array, file: vscode.Uri, hash: string, classes: ModelCard['classes'], log: vscode.LogOutputChannel): Promise<ModelCard | undefined> {
  const backend = await hostBackend(bytes, log);
  try {
    const io = backend.io;
    const outputName = defaultOutputName(io);
    const shape = io.inputs[0]?.shape;
    const fixed = shape && typeof shape[2] === 'number' && typeof shape[3] === 'number' ? [shape[2], shape[3]] : undefined;
    const [h, w] = fixed ?? [roundUp(PROBE, DEFAULT_MULTIPLE_OF), roundUp(PROBE, DEFAULT_MULTIPLE_OF)];
    const probe = await backend.run(new Float32Array(3 * h * w), [1, 3, h, w], outputName);
    const channels = declaredChannels(io, outputName) ?? probe.dims[1];
    const stride = Math.max(1, Math.round(h / probe.dims[2]));
    if (channels !== classes.length) {
      throw new Error(`${file.fsPath}: output "${outputName}" has ${channels} channels but the dataset has ${classes.length} classes; write a card (${stemOf(baseName(file.path))}.json next to the model) listing the model's classes`);
    }
    const name = await vscode.window.showInputBox({
      prompt: vscode.l10n.t('Model name (names its predictions folder)'),
      value: stemOf(baseName(file.path)),
      validateInput: (v) => (v.trim() === '' || /[/\\]/.test(v) ? vscode.l10n.t('A name without slashes') : undefined),
    });
    if (!name) return undefined;
    const guess = guessArchitecture(io, stride);
    const arch = await vscode.window.showQuickPick(
      ARCHITECTURES.map((a) => ({ label: a, description: a === guess ? vscode.l10n.t('guessed from the outputs') : undefined })).sort((a, b) => Number(b.label === guess) - Number(a.label === guess)),
      { placeHolder: vscode.l10n.t('Architecture of {0}', name) },
    );
    if (!arch) return undefined;
    const norm = await vscode.window.showQuickPick(
      (Object.keys(NORMALISATIONS) as Normalisation[]).map((k) => ({ label: NORMALISATIONS[k].label, description: k === 'imagenet' ? vscode.l10n.t('default') : undefined, key: k })),
      { placeHolder: vscode.l10n.t('Input normalisation the model was trained with') },
    );
    if (!norm) return undefined;
    return newCard({ name: name.trim(), architecture: arch.label, io, outputName, classes, normalisation: norm.key, multipleOf: DEFAULT_MULTIPLE_OF, stride, sha256: hash });
  } finally {
    await backend.release();
  }
}
