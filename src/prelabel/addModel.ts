/**
 * "SegLab: Add Model…": imports an .onnx into a dataset's models/ folder with a card (two files, a
 * SAM encoder and decoder, or their folder: a Smart Select model, addPromptableModel.ts). An existing
 * card next to the file is copied (and checked); otherwise the card `seglab card` would write is
 * proposed, asking only for the name, the architecture, the input normalisation, for a
 * fixed-size model letterbox or stretch, and for a model with more output channels than the
 * dataset has classes which model channel feeds each dataset class (the rest become unlabeled).
 */
import * as vscode from 'vscode';
import { ARCHITECTURES, formatModelCard, MODELS_FOLDER, parseModelCard, type Architecture, type ClassMap, type ModelCard } from '../core/model/card';
import { cardPathFor, loadModel, probe } from '../core/model/load';
import { NORMALISATIONS, probeInput, proposeCard, supersetClassMap, type Normalisation } from '../core/model/newCard';
import { defaultOutputName } from '../core/model/resolve';
import { joinPath, stemOf, baseName } from '../core/paths';
import { pickDataset } from '../commands/pickDataset';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import { VscodeFileSystem } from '../dataset/vscodeFileSystem';
import { sha256Hex } from '../core/hash';
import { hostBackend } from './hostModel';
import { addPromptableModel, isPairPick } from './addPromptableModel';
import type { ModelRegistry } from './modelRegistry';

/**
 * `files`: what the open dialog would return (one model, a SAM encoder and decoder, or a folder holding them); `name`: the
 * model's (or a pair's) name; `card`: answers to the card's other questions (each one left out is asked; `feeds`: per
 * dataset class id, the model class that feeds it, for a model with more channels than the dataset has classes).
 */
export interface AddModelOptions {
  files?: vscode.Uri[];
  name?: string;
  card?: { architecture?: Architecture; normalisation?: Normalisation; resize?: 'letterbox' | 'stretch'; feeds?: Record<number, number> };
}

export async function addModel(
  registry: DatasetRegistry,
  models: ModelRegistry,
  log: vscode.LogOutputChannel,
  target?: TreeNode | vscode.Uri,
  options: AddModelOptions = {},
): Promise<void> {
  const picked =
    options.files ??
    (await vscode.window.showOpenDialog({
      canSelectMany: true,
      filters: { [vscode.l10n.t('ONNX model')]: ['onnx'] },
      openLabel: vscode.l10n.t('Add Model'),
      title: vscode.l10n.t('One model, or a Smart Select encoder and decoder together'),
    })) ??
    [];
  if (picked.length === 0) return;
  const pair = await isPairPick(picked);
  if (!pair && picked.length > 1)
    throw new Error(`${picked.map((u) => u.fsPath).join(', ')}: pick one model, or a SAM encoder and its decoder (two files, or their folder)`);
  const dataset = await pickDataset(
    registry,
    target instanceof vscode.Uri ? undefined : target,
    vscode.l10n.t('Dataset whose models/ folder receives the model'),
  );
  if (!dataset?.index) return;
  if (pair) return addPromptableModel(picked, dataset, models, options);
  const [file] = picked;
  const sourceFs = new VscodeFileSystem(file);
  const bytes = await sourceFs.readFile(file.path);
  const hash = await sha256Hex(bytes);
  let card: ModelCard | undefined;
  const sourceCard = cardPathFor(file.path);
  if (await sourceFs.stat(sourceCard)) card = parseModelCard(new TextDecoder().decode(await sourceFs.readFile(sourceCard)), sourceCard);
  if (!card) {
    card = await askCard(bytes, file, hash, dataset.index.config.classes, log, options);
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
  const loaded = await loadModel({ fs: entry.fs, createBackend: (b) => hostBackend(b, log) }, entry.path, {
    classes: dataset.index.config.classes,
    ignoreIndex: dataset.index.config.ignoreIndex,
    path: dataset.uri.fsPath,
  });
  await loaded.backend.release();
  await models.setActive(entry);
  void vscode.window.showInformationMessage(vscode.l10n.t('Model {0} added to {1} and selected.', card.name, dataset.name));
}

/**
 * For a model with more channels than the dataset has classes (ONNX carries no class names: class_0...): asks, per
 * dataset class, which model class feeds it; each model class can feed one. Undefined when cancelled.
 */
async function askClassMap(modelClasses: ModelCard['classes'], classes: ModelCard['classes'], file: vscode.Uri): Promise<ClassMap | undefined> {
  const feeds = new Map<number, number>();
  const sorted = [...classes].sort((a, b) => a.id - b.id);
  for (const [i, d] of sorted.entries()) {
    const free = modelClasses.filter((m) => ![...feeds.values()].includes(m.id));
    const none = { label: vscode.l10n.t('None'), description: vscode.l10n.t('no model class: never predicted'), id: undefined };
    const pick = await vscode.window.showQuickPick(
      [...free.map((m) => ({ label: m.name, description: vscode.l10n.t('model channel {0}', m.id), id: m.id as number | undefined })), none],
      {
        title: vscode.l10n.t(
          'The model has {0} output channels, the dataset {1} classes ({2} of {3})',
          modelClasses.length,
          classes.length,
          i + 1,
          sorted.length,
        ),
        placeHolder: vscode.l10n.t('Model class that feeds dataset class {0} ({1}); the others become unlabeled', d.name, d.id),
      },
    );
    if (!pick) return undefined;
    if (pick.id !== undefined) feeds.set(d.id, pick.id);
  }
  if (feeds.size === 0) throw new Error(`${file.fsPath}: no dataset class was given a model class, so every pixel would be unlabeled`);
  return supersetClassMap(modelClasses, feeds);
}

/**
 * Reads the file and a probe run, proposes the card (src/core/model/newCard.ts), asks only the name, architecture,
 * normalisation, for a fixed size letterbox or stretch, and for a superset model the class map.
 */
async function askCard(
  bytes: Uint8Array,
  file: vscode.Uri,
  hash: string,
  classes: ModelCard['classes'],
  log: vscode.LogOutputChannel,
  options: AddModelOptions,
): Promise<ModelCard | undefined> {
  const answers = options.card ?? {};
  const backend = await hostBackend(bytes, log);
  try {
    const io = backend.io;
    const shape = probeInput(io);
    const probeRun = await probe(backend, { ...shape, multipleOf: 1 }, defaultOutputName(io));
    const draft = proposeCard({ name: stemOf(baseName(file.path)), io, probe: probeRun, sha256: hash, datasetClasses: classes });
    const superset = draft.card.classMap !== undefined;
    if (!superset && draft.card.classes.some((c) => !classes.some((d) => d.id === c.id && d.name === c.name))) {
      throw new Error(
        `${file.fsPath}: the model's ${draft.card.classes.length} classes are not the dataset's ${classes.length}; write a card (${stemOf(baseName(file.path))}.json next to the model) listing the model's classes, with a classMap for those the dataset lacks (seglab card writes a starting point)`,
      );
    }
    const name =
      options.name ??
      (await vscode.window.showInputBox({
        prompt: vscode.l10n.t('Model name (names its predictions folder)'),
        value: draft.card.name,
        validateInput: (v) => (v.trim() === '' || /[/\\]/.test(v) ? vscode.l10n.t('A name without slashes') : undefined),
      }));
    if (!name) return undefined;
    const guess = draft.card.architecture;
    const arch =
      answers.architecture ??
      (
        await vscode.window.showQuickPick(
          ARCHITECTURES.map((a) => ({ label: a, description: a === guess ? vscode.l10n.t('guessed from the outputs') : undefined })).sort(
            (a, b) => Number(b.label === guess) - Number(a.label === guess),
          ),
          { placeHolder: vscode.l10n.t('Architecture of {0}', name) },
        )
      )?.label;
    if (!arch) return undefined;
    const proposed: Normalisation = shape.dtype === 'uint8' ? 'none' : 'imagenet';
    const norm =
      answers.normalisation ??
      (
        await vscode.window.showQuickPick(
          (Object.keys(NORMALISATIONS) as Normalisation[])
            .filter((k) => shape.dtype !== 'uint8' || k === 'none')
            .map((k) => ({ label: NORMALISATIONS[k].label, description: k === proposed ? vscode.l10n.t('default') : undefined, key: k })),
          { placeHolder: vscode.l10n.t('Input normalisation the model was trained with') },
        )
      )?.key;
    if (!norm) return undefined;
    let resize = answers.resize;
    if (shape.fixed && !resize) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: vscode.l10n.t('Letterbox: scale keeping the aspect ratio, pad the rest'), value: 'letterbox' as const },
          { label: vscode.l10n.t('Stretch: scale the image to fill {0}x{1}', shape.size[0], shape.size[1]), value: 'stretch' as const },
        ],
        { placeHolder: vscode.l10n.t('How the model was trained to see images of other sizes') },
      );
      if (!pick) return undefined;
      resize = pick.value;
    }
    const feeds = answers.feeds && new Map(Object.entries(answers.feeds).map(([d, m]) => [Number(d), m]));
    const classMap = !superset ? undefined : feeds ? supersetClassMap(draft.card.classes, feeds) : await askClassMap(draft.card.classes, classes, file);
    if (superset && !classMap) return undefined;
    return proposeCard({
      name: name.trim(),
      io,
      probe: probeRun,
      sha256: hash,
      datasetClasses: classes,
      architecture: arch,
      normalisation: norm,
      resize,
      classMap,
    }).card;
  } finally {
    await backend.release();
  }
}
