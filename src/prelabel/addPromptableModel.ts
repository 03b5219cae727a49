/**
 * "Add Model…" for a Smart Select model: a SAM-format encoder/decoder pair (two files picked
 * together, or a folder holding both). The files' tensor names, shapes and types are read and
 * SAM's signature recognised by the code of `seglab card <encoder> <decoder>` (recogniseSam); the
 * pair is copied into the dataset's models/ folder as <name>.encoder.onnx / <name>.decoder.onnx
 * (files already there stay as they are) with the card <name>.json next to them, checked by loading it, and made the active Smart Select
 * model. The only question is the name: the files say the rest.
 */
import * as vscode from 'vscode';
import { MODELS_FOLDER } from '../core/model/card';
import { formatPromptableCard } from '../core/model/promptable/card';
import { pairName, recogniseSam, type PromptablePart } from '../core/model/promptable/recognise';
import { baseName, joinPath } from '../core/paths';
import type { DatasetState } from '../dataset/datasetState';
import { loadNativePromptable, promptablePart } from '../node/promptableSessions';
import { releasePromptableModel } from '../core/model/promptable/load';
import type { ModelRegistry } from './modelRegistry';

const isOnnx = (uri: vscode.Uri) => uri.path.toLowerCase().endsWith('.onnx');

/** The two .onnx files of a pick: two files, or a folder holding exactly two (or one named *encoder* and one *decoder*). */
async function pairFiles(picked: readonly vscode.Uri[]): Promise<[vscode.Uri, vscode.Uri]> {
  if (picked.length === 2) return [picked[0], picked[1]];
  const folder = picked[0];
  const files = (await vscode.workspace.fs.readDirectory(folder))
    .filter(([name, type]) => type === vscode.FileType.File && name.toLowerCase().endsWith('.onnx'))
    .map(([name]) => vscode.Uri.joinPath(folder, name));
  const named = (part: string) => files.filter((f) => baseName(f.path).toLowerCase().includes(part));
  if (files.length === 2) return [files[0], files[1]];
  if (named('encoder').length === 1 && named('decoder').length === 1) return [named('encoder')[0], named('decoder')[0]];
  throw new Error(
    `${folder.fsPath}: expected a SAM encoder and decoder (.onnx) in the folder, found ${files.length === 0 ? 'no .onnx file' : files.map((f) => baseName(f.path)).join(', ')}`,
  );
}

/** Whether a pick is a pair (two .onnx files, or a folder) rather than one ordinary model. */
export async function isPairPick(picked: readonly vscode.Uri[]): Promise<boolean> {
  if (picked.length === 2 && picked.every(isOnnx)) return true;
  return picked.length === 1 && (await vscode.workspace.fs.stat(picked[0])).type === vscode.FileType.Directory;
}

/** The card of the pair, whichever order the files came in (the decoder is the file with SAM's prompt inputs), named by `name`. */
async function recognisePair(files: [vscode.Uri, vscode.Uri], folder: vscode.Uri, name: (proposed: string) => Promise<string | undefined>) {
  const parts: PromptablePart[] = [];
  for (const uri of files) parts.push(await promptablePart(await vscode.workspace.fs.readFile(uri), uri.fsPath));
  const prompts = (p: PromptablePart) => p.io.inputs.filter((t) => ['point_coords', 'point_labels', 'mask_input'].includes(t.name)).length;
  const [encoder, decoder] = prompts(parts[0]) > prompts(parts[1]) ? [parts[1], parts[0]] : [parts[0], parts[1]];
  const draft = recogniseSam(pairName(encoder.path), encoder, decoder); // refuses a pair that is not SAM's, naming the file, before any question
  if (draft.family !== 'sam') throw new Error(`${decoder.path}: recognised as a "${draft.family}" model, not a SAM pair`);
  const chosen = await name(draft.name);
  if (!chosen) return undefined;
  const source = (part: PromptablePart) => files[parts.indexOf(part)];
  // Files already in models/ keep their names; copies are named after the model.
  const fileName = (part: PromptablePart, role: string) =>
    vscode.Uri.joinPath(source(part), '..').toString() === folder.toString() ? part.file : `${chosen}.${role}.onnx`;
  const card = {
    ...draft,
    name: chosen,
    encoder: { ...draft.encoder, file: fileName(encoder, 'encoder') },
    decoder: { ...draft.decoder, file: fileName(decoder, 'decoder') },
  };
  return { card, encoder: source(encoder), decoder: source(decoder) };
}

export async function addPromptableModel(
  picked: readonly vscode.Uri[],
  dataset: DatasetState,
  models: ModelRegistry,
  options: { name?: string } = {},
): Promise<void> {
  const askName = async (proposed: string) =>
    options.name ??
    (
      await vscode.window.showInputBox({
        prompt: vscode.l10n.t('Smart Select model name (names its card and files in models/)'),
        value: proposed,
        validateInput: (v) => (v.trim() === '' || /[/\\]/.test(v) ? vscode.l10n.t('A name without slashes') : undefined),
      })
    )?.trim();
  const folder = vscode.Uri.joinPath(dataset.uri, MODELS_FOLDER);
  const pair = await recognisePair(await pairFiles(picked), folder, askName);
  if (!pair) return;
  const { card } = pair;
  const cardUri = vscode.Uri.joinPath(folder, `${card.name}.json`);
  if (
    await vscode.workspace.fs.stat(cardUri).then(
      () => true,
      () => false,
    )
  ) {
    const replace = vscode.l10n.t('Replace');
    if ((await vscode.window.showWarningMessage(vscode.l10n.t('{0} already exists. Replace it?', cardUri.fsPath), { modal: true }, replace)) !== replace)
      return;
  }
  await vscode.workspace.fs.createDirectory(folder);
  for (const [from, file] of [
    [pair.encoder, card.encoder.file],
    [pair.decoder, card.decoder.file],
  ] as const) {
    const to = vscode.Uri.joinPath(folder, file);
    if (from.toString() !== to.toString()) await vscode.workspace.fs.copy(from, to, { overwrite: true });
  }
  await vscode.workspace.fs.writeFile(cardUri, new TextEncoder().encode(formatPromptableCard(card)));
  // Loaded as Smart Select will load it (sha256 and tensor names checked) before it becomes active.
  await releasePromptableModel(await loadNativePromptable(cardUri.fsPath, 1));
  const entry = (await models.listPromptable()).find((m) => m.uri.toString() === cardUri.toString());
  if (!entry) throw new Error(`${joinPath(folder.fsPath, `${card.name}.json`)}: written but not found among the Smart Select models`);
  await models.setActivePromptable(entry);
  void vscode.window.showInformationMessage(vscode.l10n.t('Smart Select model {0} added to {1} and selected.', card.name, dataset.name));
}
