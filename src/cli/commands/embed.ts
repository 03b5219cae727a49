/**
 * `seglab embed`: Prepare Smart Select from the command line. Runs a SAM-format model's image
 * encoder on a dataset's images into an embedding cache folder (the host's format and keys), and
 * with --check describes the job without running it: the training service's embedding jobs use
 * that to check a card and to learn the keys' prefix and the encoder's preprocessing, so the card's
 * rules stay in core. With --backend the encoder runs on the training service (remoteEmbeddings.ts).
 */
import { sha256Hex } from '../../core/hash';
import { ConfigError, errorMessage } from '../../core/errors';
import { decodeImage } from '../../core/model/image';
import { parsePromptableCard } from '../../core/model/promptable/card';
import { EmbeddingCache, embeddingKey, embeddingKeyPrefix } from '../../core/model/promptable/embeddingCache';
import { encodeImage } from '../../core/model/promptable/predictor';
import { prelabelEntries } from '../../core/model/prelabelDataset';
import { dirName, joinPath } from '../../core/paths';
import { folderEmbeddingSink, folderEmbeddingStore } from '../../node/embeddingStore';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { loadNativeEncoder } from '../../node/promptableSessions';
import { TrainingClient } from '../../training/client';
import { embeddingsOnBackend, type EmbeddingSink, type RemoteEncoder } from '../../training/remoteEmbeddings';
import { intOption, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { json, type Io } from '../output';
import { abortOnSigint, progressLog, stemsOption } from '../runOptions';
import type { DatasetIndex, ImageEntry } from '../../core/dataset/types';

const DEFAULT_CACHE_MB = 2048;

/** `--backend`: the encoder on the training service (remoteEmbeddings.ts); exit 0 when every image arrived or was cached. */
async function embedRemote(
  io: Io,
  fs: NodeFileSystem,
  index: DatasetIndex,
  entries: ImageEntry[],
  url: string,
  encoder: RemoteEncoder,
  sink: EmbeddingSink,
  asJson: boolean,
): Promise<number> {
  const interrupt = abortOnSigint();
  let result;
  try {
    result = await embeddingsOnBackend(fs, index, entries, new TrainingClient(url, process.env.SEGLAB_TOKEN), encoder, sink, { signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
  for (const f of result.failed) io.err(`${f.path}: ${f.message}`);
  if (result.error) io.err(`seglab embed: backend job ${result.jobId}: ${result.error}`);
  if (asJson) io.out(json(result));
  else
    io.out(
      `${result.received.length} received from ${url}${result.jobId ? ` (job ${result.jobId}, ${result.state}, ${result.provider ?? 'provider unknown'})` : ''}, ${result.cached} already there, ${result.failed.length} failed${result.cancelled ? '; interrupted' : ''}`,
    );
  return (result.state ?? 'succeeded') === 'succeeded' && result.failed.length === 0 ? 0 : 1;
}

type Failure = { path: string; message: string };

/**
 * The encoder over `entries` into `cache`, skipping images already there; Ctrl+C stops between
 * images. `log` gets a line per image (its key once its file is complete) and the done line, with
 * image paths relative to `root` (a service's shard reports no server paths).
 */
async function embedLocal(
  io: Io,
  fs: NodeFileSystem,
  root: string,
  entries: ImageEntry[],
  { card, encoder, encoderSha256 }: Awaited<ReturnType<typeof loadNativeEncoder>>,
  cache: EmbeddingCache,
  log: (line: object) => void,
) {
  const counts = { computed: 0, cached: 0 };
  const failures: Array<{ entry: ImageEntry; message: string }> = [];
  const started = Date.now();
  const interrupt = abortOnSigint();
  try {
    for (const [i, entry] of entries.entries()) {
      if (interrupt.signal.aborted) break;
      const path = joinPath(root, entry.image);
      const line: { type: string; done: number; total: number; stem: string; key?: string } = {
        type: 'progress',
        done: i + 1,
        total: entries.length,
        stem: entry.stem,
      };
      try {
        const bytes = await fs.readFile(path);
        const key = embeddingKey(encoderSha256, card.encoder.input, await sha256Hex(bytes));
        if (await cache.get(key)) counts.cached++;
        else {
          await cache.put(key, await encodeImage(card, encoder, await decodeImage(bytes, path)));
          counts.computed++;
        }
        line.key = key;
      } catch (error) {
        const message = errorMessage(error);
        failures.push({ entry, message });
        io.err(`${path}: ${message}`);
      }
      log(line);
    }
  } finally {
    interrupt.dispose();
  }
  const cancelled = interrupt.signal.aborted;
  const seconds = (Date.now() - started) / 1000;
  const relative = failures.map(({ entry, message }) => ({ path: entry.image, stem: entry.stem, message: message.split(root + '/').join('') }));
  log({ type: 'done', written: counts.computed, skipped: counts.cached, failed: relative, cancelled, seconds, provider: encoder.provider });
  const failed: Failure[] = failures.map(({ entry, message }) => ({ path: joinPath(root, entry.image), message }));
  return { ...counts, failed, cancelled };
}

export const embedCommand: Command = {
  name: 'embed',
  summary: "compute a Smart Select model's image embeddings for a dataset ahead of labeling",
  help: `Usage: seglab embed <dataset> --model <card.json> --cache <dir> [--only-unlabeled] [--backend <url>] [--json]
       seglab embed <dataset> --model <card.json> --check [--encoder <file.onnx>] [--json]

Runs the image encoder of a promptable (SAM-format) model on every image (native ONNX Runtime,
CPU unless --device cuda) and stores each image's embeddings in <dir> as <key>.emb, the
extension's embedding cache format (key: the encoder's sha256, its preprocessing, the image
file's sha256). Images already there are skipped; Ctrl+C stops between images. Point --cache at
the extension's cache folder (Prepare Smart Select for Dataset's report names it) to prepare a
dataset from a script. The training service's embedding jobs run this command as their shards.

Options:
  --model <card.json>   the promptable model's card (required)
  --cache <dir>         where the embeddings go (required without --check)
  --cache-mb N          the folder's size limit; least recently used entries go (default 2048)
  --only-unlabeled      only images without a label mask
  --threads N           inference threads (default: cores, at most 4)
  --device cpu|cuda     the execution provider (default cpu); cuda fails (exit 1) where this
                        onnxruntime-node cannot run CUDA, never falling back to the CPU
  --stems <file>        only the images with these stems (one a line): one shard of a larger run
  --progress <file>     append one JSON line per image ({type: "progress", done, total, stem, key};
                        key once the image's embeddings are in <dir>) and a last one ({type:
                        "done", written, skipped, failed, cancelled, seconds, provider})
  --check               read the card and stop; --json prints {model: {name, keyPrefix, input,
                        embeddings}, images: [{stem, image}]} (image relative to the dataset)
  --encoder <file>      the encoder file, instead of the card's encoder.file
  --backend <url>       run the encoder on the training backend at <url> (token: SEGLAB_TOKEN): the
                        images not in <dir> and the encoder with its card are uploaded, each image's
                        embeddings checked and stored as they arrive (Ctrl+C cancels the backend job
                        and keeps them); its --json is {jobId, total, cached, received, failed,
                        cancelled, state, error, provider}
  --json                print {model, provider, computed, cached, failed, cancelled, cache}
  -h, --help            show this help

Exit codes: 0 every image computed or cached, 1 some images failed (each named on stderr) or
the run was interrupted or the device cannot run, 2 usage error or a card to change.`,
  options: {
    model: { type: 'string' },
    cache: { type: 'string' },
    'cache-mb': { type: 'string' },
    'only-unlabeled': { type: 'boolean' },
    threads: { type: 'string' },
    check: { type: 'boolean' },
    encoder: { type: 'string' },
    device: { type: 'string' },
    stems: { type: 'string' },
    progress: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(parsed: Parsed, io: Io): Promise<number> {
    if (parsed.positionals.length !== 1) throw new UsageError('expected <dataset>');
    const cardPath = stringOption(parsed, 'model');
    if (cardPath === undefined) throw new UsageError('--model <card.json> is required');
    const fs = new NodeFileSystem();
    if ((await fs.stat(cardPath))?.type !== 'file') throw new UsageError(`${cardPath}: no such file (--model)`);
    const index = await openDataset(fs, parsed.positionals[0]);
    const entries = prelabelEntries(index, { onlyUnlabeled: Boolean(parsed.values['only-unlabeled']) });
    if (parsed.values.check) {
      const card = parsePromptableCard(new TextDecoder().decode(await fs.readFile(cardPath)), cardPath);
      if (card.family !== 'sam') throw new ConfigError(cardPath, `a "${card.family}" model has no image encoder: there is nothing to compute`);
      const encoder = stringOption(parsed, 'encoder') ?? joinPath(dirName(cardPath), card.encoder.file);
      if ((await fs.stat(encoder))?.type !== 'file') throw new ConfigError(cardPath, `encoder.file: ${encoder} does not exist`);
      const model = {
        name: card.name,
        keyPrefix: embeddingKeyPrefix(await sha256Hex(await fs.readFile(encoder)), card.encoder.input),
        input: card.encoder.input,
        embeddings: card.embeddings,
      };
      const images = entries.map((e) => ({ stem: e.stem, image: e.image }));
      io.out(parsed.values.json ? json({ model, images }) : `${card.name}: ${images.length} images to encode in ${index.root}`);
      return 0;
    }
    const cacheDir = stringOption(parsed, 'cache');
    if (cacheDir === undefined) throw new UsageError('--cache <dir> is required');
    const device = stringOption(parsed, 'device') ?? 'cpu';
    if (device !== 'cpu' && device !== 'cuda') throw new UsageError(`--device expects cpu or cuda, got "${device}"`);
    const limit = (intOption(parsed, 'cache-mb', 1, 1_000_000) ?? DEFAULT_CACHE_MB) * 1024 * 1024;
    const threads = intOption(parsed, 'threads', 1, 64);
    const encoderPath = stringOption(parsed, 'encoder');
    const stems = stemsOption(parsed);
    const todo = stems ? entries.filter((e) => stems.has(e.stem)) : entries;
    const loaded = await loadNativeEncoder(cardPath, { threads, device, encoderPath });
    const { card, encoder } = loaded;
    const report = { model: card.name, provider: encoder.provider, computed: 0, cached: 0, failed: [] as Failure[], cancelled: false, cache: cacheDir };
    try {
      const url = stringOption(parsed, 'backend');
      if (url !== undefined) {
        const remote = {
          card,
          cardBytes: await fs.readFile(cardPath),
          encoderBytes: await fs.readFile(encoderPath ?? joinPath(dirName(cardPath), card.encoder.file)),
          encoderSha256: loaded.encoderSha256,
          outputs: encoder.io.outputs,
        };
        return await embedRemote(io, fs, index, todo, url, remote, await folderEmbeddingSink(cacheDir, limit), Boolean(parsed.values.json));
      }
      const cache = new EmbeddingCache(folderEmbeddingStore(cacheDir), limit);
      Object.assign(report, await embedLocal(io, fs, index.root, todo, loaded, cache, progressLog(parsed)));
    } finally {
      await encoder.release();
    }
    if (parsed.values.json) io.out(json(report));
    else
      io.out(
        `${cacheDir}: ${report.computed} computed, ${report.cached} already there, ${report.failed.length} failed (${report.provider})${report.cancelled ? '; interrupted' : ''}`,
      );
    return report.failed.length > 0 || report.cancelled ? 1 : 0;
  },
};
