/**
 * Opening a promptable model from its card: both ONNX files (next to the card), their sha256
 * checked against the card's, both sessions (the decoder's as decoderSession.ts pairs them), and
 * the tensor names checked against the card.
 * Hashing and session creation are passed in, so this runs in Node and in a webview.
 */
import { ConfigError, DataError, errorMessage } from '../../errors';
import type { FileSystem } from '../../fileSystem';
import { dirName, joinPath } from '../../paths';
import { isPromptableCardJson, parsePromptableCard, type PromptableCard, type SamCard } from './card';
import { openDecoderSession } from './decoderSession';
import { checkEncoderIo, checkPromptableIo } from './predictor';
import type { MultiSession } from './session';

export interface PromptableModel {
  card: PromptableCard;
  cardPath: string;
  /** The encoder file's sha256 (a click model's: its model file's): with an image's, the key of its embeddings. */
  encoderSha256: string;
  /** Undefined for a click model (family "clicks"), whose one model is the `decoder`, run per prompt. */
  encoder: MultiSession | undefined;
  decoder: MultiSession;
  /** The bytes and sha256 of the file run per prompt (SAM's decoder, a click model's model): what a webview runs. */
  decoderFile: { bytes: Uint8Array; sha256: string };
}

export interface PromptableLoaderDeps {
  fs: FileSystem;
  sha256(bytes: Uint8Array): Promise<string>;
  createSession(bytes: Uint8Array, path: string): Promise<MultiSession>;
}

async function openPart(
  deps: PromptableLoaderDeps,
  cardPath: string,
  part: 'encoder' | 'decoder' | 'model',
  card: PromptableCard,
  at?: string,
): Promise<{ session: MultiSession; bytes: Uint8Array; sha256: string }> {
  const { file, sha256: expected } = card.family === 'clicks' ? card.model : card[part === 'model' ? 'decoder' : part];
  const path = at ?? joinPath(dirName(cardPath), file);
  if ((await deps.fs.stat(path))?.type !== 'file') throw new ConfigError(cardPath, `${part}.file: ${path} does not exist`);
  const bytes = await deps.fs.readFile(path);
  const sha256 = await deps.sha256(bytes);
  if (expected && expected !== sha256)
    throw new ConfigError(
      cardPath,
      `${part}.sha256 ${expected.slice(0, 12)}… does not match ${file} (${sha256.slice(0, 12)}…): the card was written for another export`,
    );
  const create = (model: Uint8Array) => deps.createSession(model, path);
  try {
    return {
      session: await (part === 'decoder' && card.family === 'sam' ? openDecoderSession(bytes, card.decoder.outputs.masks, create) : create(bytes)),
      bytes,
      sha256,
    };
  } catch (error) {
    throw new DataError(path, `cannot load the ONNX model (${errorMessage(error)})`);
  }
}

export async function loadPromptableModel(deps: PromptableLoaderDeps, cardPath: string): Promise<PromptableModel> {
  const card = parsePromptableCard(new TextDecoder().decode(await deps.fs.readFile(cardPath)), cardPath);
  if (card.family === 'clicks') {
    const model = await openPart(deps, cardPath, 'model', card);
    try {
      checkPromptableIo(card, cardPath, undefined, model.session);
    } catch (error) {
      await model.session.release();
      throw error;
    }
    return { card, cardPath, encoderSha256: model.sha256, encoder: undefined, decoder: model.session, decoderFile: model };
  }
  const encoder = await openPart(deps, cardPath, 'encoder', card);
  let decoder: Awaited<ReturnType<typeof openPart>> | undefined;
  try {
    decoder = await openPart(deps, cardPath, 'decoder', card);
    checkPromptableIo(card, cardPath, encoder.session, decoder.session);
    return { card, cardPath, encoderSha256: encoder.sha256, encoder: encoder.session, decoder: decoder.session, decoderFile: decoder };
  } catch (error) {
    await encoder.session.release();
    await decoder?.session.release();
    throw error;
  }
}

/**
 * A SAM card's encoder alone (what computing embeddings needs): `encoderPath` replaces the card's
 * encoder.file (the training service keeps an uploaded encoder under its own name).
 */
export async function loadPromptableEncoder(
  deps: PromptableLoaderDeps,
  cardPath: string,
  encoderPath?: string,
): Promise<{ card: SamCard; encoderSha256: string; encoder: MultiSession }> {
  const card = parsePromptableCard(new TextDecoder().decode(await deps.fs.readFile(cardPath)), cardPath);
  if (card.family !== 'sam') throw new ConfigError(cardPath, `a "${card.family}" model has no image encoder: there is nothing to compute`);
  const { session, sha256 } = await openPart(deps, cardPath, 'encoder', card, encoderPath);
  try {
    checkEncoderIo(card, cardPath, session);
  } catch (error) {
    await session.release();
    throw error;
  }
  return { card, encoderSha256: sha256, encoder: session };
}

export async function releasePromptableModel(model: PromptableModel): Promise<void> {
  await model.encoder?.release();
  await model.decoder.release();
}

/**
 * The ONNX files of a folder that promptable cards there name (encoders and decoders): they are
 * no pre-labeling models, so model lists leave them out. Unreadable JSON files are skipped (the
 * card that owns them reports its own errors when loaded).
 */
export async function promptableFilesIn(fs: FileSystem, folder: string): Promise<Set<string>> {
  const files = new Set<string>();
  for (const [name, type] of await fs.readDirectory(folder)) {
    if (type !== 'file' || !name.toLowerCase().endsWith('.json')) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(await fs.readFile(joinPath(folder, name))));
    } catch {
      continue;
    }
    if (!isPromptableCardJson(raw)) continue;
    const { encoder, decoder, model } = raw as { encoder?: { file?: unknown }; decoder?: { file?: unknown }; model?: { file?: unknown } };
    for (const file of [encoder?.file, decoder?.file, model?.file]) if (typeof file === 'string') files.add(file);
  }
  return files;
}
