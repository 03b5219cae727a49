/**
 * Opening a model file: its card `<stem>.json` when there is one, the session, the channel count
 * (probed with one small run when the file leaves it symbolic) and the resolution against the
 * dataset. Session creation is passed in, so this runs in Node and in a webview.
 */
import type { FileSystem } from '../fileSystem';
import { DataError, errorMessage } from '../errors';
import { sha256Hex } from '../hash';
import { baseName, dirName, joinPath, stemOf } from '../paths';
import type { InferenceBackend } from './backend';
import { parseModelCard, type ModelCard } from './card';
import { roundUp } from './preprocess';
import {
  declaredChannels,
  defaultOutputName,
  DEFAULT_MULTIPLE_OF,
  resolveInput,
  resolveModel,
  type DatasetClasses,
  type ResolvedInput,
  type ResolvedModel,
} from './resolve';
import { encodeInput } from './tensors';

export interface LoadedModel {
  path: string;
  cardPath?: string;
  sha256: string;
  model: ResolvedModel;
  backend: InferenceBackend;
}

export interface ModelLoaderDeps {
  fs: FileSystem;
  createBackend(bytes: Uint8Array, path: string): Promise<InferenceBackend>;
}

export const cardPathFor = (onnxPath: string) => joinPath(dirName(onnxPath), `${stemOf(baseName(onnxPath))}.json`);

/** The card next to the model, or undefined when there is none; a broken card is an error naming it. */
export async function readCard(fs: FileSystem, onnxPath: string): Promise<{ card: ModelCard; path: string } | undefined> {
  const path = cardPathFor(onnxPath);
  if ((await fs.stat(path))?.type !== 'file') return undefined;
  return { card: parseModelCard(new TextDecoder().decode(await fs.readFile(path)), path), path };
}

export async function loadModel(deps: ModelLoaderDeps, path: string, dataset: DatasetClasses): Promise<LoadedModel> {
  const bytes = await deps.fs.readFile(path);
  const sha256 = await sha256Hex(bytes);
  const found = await readCard(deps.fs, path);
  if (found?.card.sha256 && found.card.sha256 !== sha256) {
    throw new DataError(
      found.path,
      `sha256 ${found.card.sha256.slice(0, 12)}… does not match ${baseName(path)} (${sha256.slice(0, 12)}…): the card was written for another export`,
    );
  }
  let backend: InferenceBackend;
  try {
    backend = await deps.createBackend(bytes, path);
  } catch (error) {
    throw new DataError(path, `cannot load the ONNX model (${errorMessage(error)})`);
  }
  try {
    const model = await resolveForBackend(backend, path, found, dataset);
    return { path, cardPath: found?.path, sha256, model, backend };
  } catch (error) {
    await backend.release();
    throw error;
  }
}

/** Resolves a model whose session is open (node or webview); probes the channel count if the file leaves it symbolic. */
export async function resolveForBackend(
  backend: InferenceBackend,
  path: string,
  found: { card: ModelCard; path: string } | undefined,
  dataset: DatasetClasses,
): Promise<ResolvedModel> {
  const outputName = found?.card.output.name ?? defaultOutputName(backend.io);
  // An unknown output name (or an input the card gets wrong) is reported by resolveModel, naming the card.
  const known = backend.io.outputs.some((o) => o.name === outputName);
  let channels = 0;
  if (known && found?.card.output.kind !== 'labels') {
    const input = resolveInput(backend.io, path, found?.card, found?.path ?? path, []);
    const layout = found?.card.output.layout ?? input.layout;
    channels = declaredChannels(backend.io, outputName, layout) ?? (await probe(backend, input, outputName)).dims[layout === 'NHWC' ? 3 : 1];
  }
  return resolveModel({ modelPath: path, card: found?.card, cardPath: found?.path, io: backend.io, channels, dataset });
}

/** One run on a small zero image (what the file leaves symbolic: channels, output stride). */
export async function probe(
  backend: InferenceBackend,
  input: Pick<ResolvedInput, 'size' | 'multipleOf' | 'layout' | 'dtype'>,
  outputName: string,
): ReturnType<InferenceBackend['run']> {
  const [h, w] = input.size ?? [64, 64].map((s) => roundUp(s, input.multipleOf ?? DEFAULT_MULTIPLE_OF));
  return backend.run(encodeInput(new Float32Array(3 * h * w), h, w, input.layout, input.dtype), outputName);
}
