/**
 * Prepare Smart Select on the training backend (POST /v1/embeddings, backend/API.md): the images not
 * yet in the host's embedding cache and the model's encoder with its card are uploaded, the job is
 * followed like Pre-label Dataset's (remotePrelabel.ts), and each image's embeddings enter the cache
 * as they arrive, checked as the webview encoder's are (the image's size, the card's names, the
 * encoder's output shapes, finite values) and only under the key of the very file uploaded from here.
 * A cancelled run cancels the job and keeps what arrived.
 */
import type { DatasetIndex, ImageEntry } from '../core/dataset/types';
import { DataError, errorMessage } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { sha256Hex } from '../core/hash';
import { readImageSize } from '../core/mask/imageSize';
import type { SamCard } from '../core/model/promptable/card';
import { deserializeEmbeddings, embeddingKey, embeddingKeyPrefix } from '../core/model/promptable/embeddingCache';
import { checkEncoderOutput, embeddingsFromMessage, embeddingTensors } from '../core/model/promptable/embeddingTensors';
import type { Embeddings } from '../core/model/promptable/selection';
import type { NamedTensorInfo } from '../core/model/promptable/session';
import { joinPath } from '../core/paths';
import type { TrainingClient } from './client';
import { followOnBackend, uploadForJob, type RemotePrelabelOptions } from './remotePrelabel';

export interface RemoteEncoder {
  card: SamCard;
  /** The card's and the encoder's bytes, uploaded as model.json and model.onnx. */
  cardBytes: Uint8Array;
  encoderBytes: Uint8Array;
  encoderSha256: string;
  /** The encoder's declared outputs, which the embeddings must fit. */
  outputs: readonly NamedTensorInfo[];
}

/** The host's cache, as far as this needs it. */
export interface EmbeddingSink {
  has(key: string): Promise<boolean>;
  put(key: string, embeddings: Embeddings): Promise<void>;
}

export interface RemoteEmbeddingsResult {
  /** Undefined when every image was cached already (nothing went to the backend). */
  jobId?: string;
  total: number;
  cached: number;
  /** Stems whose embeddings arrived and entered the cache. */
  received: string[];
  failed: Array<{ path: string; message: string }>;
  cancelled: boolean;
  state?: string;
  error?: string | null;
  /** The ONNX Runtime provider that ran the encoder there. */
  provider?: string;
}

interface Expected {
  key: string;
  path: string;
  width: number;
  height: number;
}

export async function embeddingsOnBackend(
  fs: FileSystem,
  index: DatasetIndex,
  entries: ImageEntry[],
  client: TrainingClient,
  encoder: RemoteEncoder,
  cache: EmbeddingSink,
  options: Pick<RemotePrelabelOptions, 'signal' | 'onProgress'> = {},
): Promise<RemoteEmbeddingsResult> {
  const { card } = encoder;
  const expected = new Map<string, Expected>();
  const result: RemoteEmbeddingsResult = { total: entries.length, cached: 0, received: [], failed: [], cancelled: false };
  for (const entry of entries) {
    const path = joinPath(index.root, entry.image);
    const bytes = await fs.readFile(path);
    const key = embeddingKey(encoder.encoderSha256, card.encoder.input, await sha256Hex(bytes));
    if (await cache.has(key)) result.cached++;
    else expected.set(entry.stem, { key, path, ...readImageSize(bytes, path) });
  }
  const todo = entries.filter((e) => expected.has(e.stem));
  if (todo.length === 0) return result;
  const uploaded = await uploadForJob(fs, index, todo, client, encoder.encoderBytes, encoder.cardBytes, options);
  const job = await client.createEmbeddings(uploaded);
  result.jobId = job.id;
  if (job.model.keyPrefix !== embeddingKeyPrefix(encoder.encoderSha256, card.encoder.input)) {
    await client.cancelPrediction(job.id);
    throw new Error(`the backend at ${client.baseUrl} keys embeddings as ${job.model.keyPrefix}, this extension would not find them: update one of them`);
  }
  const seen = new Set<string>();
  const fetchNew = async () => {
    for (const [stem, key] of Object.entries(await client.embeddingImages(job.id))) {
      if (seen.has(stem)) continue;
      const want = expected.get(stem);
      try {
        if (!want) throw new DataError(stem, 'the backend sent embeddings of an image this run did not upload');
        if (key !== want.key) throw new DataError(want.path, 'the backend encoded other bytes than this file has now (changed during the upload?)');
        const source = `${want.path} (embeddings from ${client.baseUrl})`;
        const sent = deserializeEmbeddings(await client.embeddingImage(job.id, stem), source);
        const embeddings = embeddingsFromMessage({ ...sent, tensors: embeddingTensors(sent) }, want.width, want.height, source);
        checkEncoderOutput(card, encoder.outputs, embeddings, source);
        await cache.put(key, embeddings);
        result.received.push(stem);
      } catch (error) {
        if (!(error instanceof DataError)) throw error; // a download that failed is tried again
        result.failed.push({ path: want?.path ?? stem, message: errorMessage(error) });
      }
      seen.add(stem);
    }
  };
  const end = await followOnBackend(client, job.id, fetchNew, options);
  const provider = (end as { provider?: unknown }).provider;
  return {
    ...result,
    received: result.received.sort(),
    // the backend names its copy (images/<stem>.<ext>) and the stem
    failed: [
      ...result.failed,
      ...(end.failed ?? []).map((f) => ({ path: expected.get((f as { stem?: string }).stem ?? '')?.path ?? f.path, message: f.message })),
    ],
    cancelled: Boolean(options.signal?.aborted),
    state: end.state,
    error: end.error,
    provider: typeof provider === 'string' ? provider : undefined,
  };
}
