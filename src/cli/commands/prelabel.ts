import { describeMapping } from '../../core/model/classMapping';
import type { DatasetIndex } from '../../core/dataset/types';
import { cardPathFor, loadModel } from '../../core/model/load';
import { prelabelDataset, prelabelEntries, type PrelabelResult } from '../../core/model/prelabelDataset';
import type { LoadedModel } from '../../core/model/load';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { createBackend, type NodeProvider } from '../../node/onnxBackends';
import { defaultWorkers, loadPooled } from '../../node/prelabelPool';
import { TrainingClient } from '../../training/client';
import { prelabelOnBackend, type RemotePrelabelResult } from '../../training/remotePrelabel';
import { intOption, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { count, json, type Io } from '../output';
import { abortOnSigint, progressLog, stemsOption } from '../runOptions';

/** The `--json` shape of `seglab prelabel`. */
export function prelabelJson(m: LoadedModel, r: PrelabelResult) {
  return {
    model: {
      name: m.model.name,
      file: m.path,
      card: m.cardPath ?? null,
      sha256: m.sha256,
      provider: m.backend.provider,
      defaults: m.model.defaults,
      mapping: m.model.mapping,
    },
    outDir: r.outDir,
    total: r.total,
    written: r.written,
    skipped: r.skipped,
    failed: r.failed,
    cancelled: r.cancelled,
    seconds: r.seconds,
    imagesPerSecond: r.seconds > 0 ? r.written.length / r.seconds : null,
    warnings: r.warnings,
  };
}

/** `--backend`: the same run on the training service; exit codes as a local run's. */
async function prelabelRemote(
  parsed: Parsed,
  io: Io,
  fs: NodeFileSystem,
  index: DatasetIndex,
  url: string,
  modelPath: string,
  tileSize?: number,
): Promise<number> {
  const client = new TrainingClient(url, process.env.SEGLAB_TOKEN);
  const interrupt = abortOnSigint();
  let result: RemotePrelabelResult;
  try {
    result = await prelabelOnBackend(
      fs,
      index,
      client,
      { path: modelPath, cardPath: cardPathFor(modelPath) },
      {
        onlyUnlabeled: Boolean(parsed.values['only-unlabeled']),
        tileSize,
        outDir: stringOption(parsed, 'out'),
        signal: interrupt.signal,
        onProgress: io.errIsTty
          ? ({ stage, done, total }) => process.stderr.write(`\r${stage === 'upload' ? 'packing' : 'pre-labeling'} ${done}/${total}\x1b[K`)
          : undefined,
      },
    );
  } finally {
    interrupt.dispose();
  }
  if (io.errIsTty) process.stderr.write('\r\x1b[K');
  for (const f of result.failed) io.err(`${f.path}: ${f.message}`);
  if (result.error) io.err(`seglab prelabel: backend job ${result.jobId}: ${result.error}`);
  if (parsed.values.json) io.out(json(result));
  else
    io.out(
      `${result.outDir}: ${count(result.received.length)} received from ${url} (job ${result.jobId}, ${result.state})${result.cancelled ? '; interrupted' : ''}`,
    );
  return result.state === 'succeeded' && result.failed.length === 0 ? 0 : 1;
}

export const prelabelCommand: Command = {
  name: 'prelabel',
  summary: 'write prediction masks of an ONNX model for a dataset',
  help: `Usage: seglab prelabel <dataset> --model <file.onnx> [--out <dir>] [--only-unlabeled] [--json]

Runs the model on every image (native ONNX Runtime, CPU) and writes one indexed PNG per image to
<predictions>/<model name>/ (or --out <dir>); label masks are never written. The model card
<file>.json next to the model gives its classes (matched to the dataset's by id and name, or
through its classMap; model classes the dataset lacks become unlabeled), input (normalisation,
layout, type, resize) and output (logits, probabilities, sigmoid or class labels); without a
card, ImageNet mean/std on 0-1 RGB input and the dataset's classes are assumed when the class
counts agree ("seglab card" proposes a card). Images already predicted by the same model file
(same sha256) are skipped. Large images run as overlapping tiles. A run whose predictions are
one class on every pixel ends with a warning.

Options:
  --model <file.onnx>   the model (required)
  --out <dir>           folder for the prediction masks
  --only-unlabeled      only images without a label mask
  --threads N           inference threads (default: cores, at most 4; with --workers, per worker:
                        cores / workers, at least 1)
  --workers N           ONNX Runtime sessions in worker threads, one image each at a time
                        (default: cores - 1, at least 1; 1 = one session in this thread); the
                        files written are the same for any N (cpu provider only)
  --tile N              tile side for large images (default 1024)
  --provider cpu|wasm   onnxruntime-node (default) or onnxruntime-web's WASM build
  --stems <file>        only the images with these stems (one a line): one shard of a larger run
  --progress <file>     append one JSON line per image ({type: "progress", done, total, current})
                        and a last one ({type: "done", written, skipped, failed, cancelled, seconds})
  --backend <url>       run on the training backend at <url> (token: SEGLAB_TOKEN): the images and
                        the model with its card are uploaded, the masks written here as they arrive
                        (Ctrl+C cancels the backend job and keeps them); its --json is {outDir,
                        jobId, total, received, failed, cancelled, state, error}
  --check               load the model against the dataset (card, classes, input/output) and stop;
                        exit 2 with the card's problem, as a run would; --json adds the stems a
                        run would predict (images)
  --json                print {model, outDir, total, written, skipped, failed, cancelled, seconds,
                        imagesPerSecond, warnings}; on failure {error, file, hint}
  -h, --help            show this help

Exit codes: 0 all images predicted or skipped, 1 some images failed (each named on stderr) or the
run was interrupted, 2 usage error (options, or a model card to change: the message names the
file and the field).`,
  options: {
    model: { type: 'string' },
    out: { type: 'string' },
    'only-unlabeled': { type: 'boolean' },
    threads: { type: 'string' },
    workers: { type: 'string' },
    tile: { type: 'string' },
    provider: { type: 'string' },
    backend: { type: 'string' },
    stems: { type: 'string' },
    progress: { type: 'string' },
    check: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(parsed: Parsed, io: Io): Promise<number> {
    if (parsed.positionals.length !== 1) throw new UsageError('expected <dataset>');
    const modelPath = stringOption(parsed, 'model');
    if (modelPath === undefined) throw new UsageError('--model <file.onnx> is required');
    const provider = (stringOption(parsed, 'provider') ?? 'cpu') as NodeProvider;
    if (provider !== 'cpu' && provider !== 'wasm') throw new UsageError(`--provider expects cpu or wasm, got "${provider}"`);
    const threads = intOption(parsed, 'threads', 1, 64);
    const workers = provider === 'cpu' ? (intOption(parsed, 'workers', 1, 64) ?? defaultWorkers()) : 1;
    const tileSize = intOption(parsed, 'tile', 64, 8192);
    const fs = new NodeFileSystem();
    if ((await fs.stat(modelPath))?.type !== 'file') throw new UsageError(`${modelPath}: no such file (--model)`);
    const index = await openDataset(fs, parsed.positionals[0]);
    const backendUrl = stringOption(parsed, 'backend');
    if (backendUrl !== undefined) return prelabelRemote(parsed, io, fs, index, backendUrl, modelPath, tileSize);
    const classes = { classes: index.config.classes, ignoreIndex: index.config.ignoreIndex, path: index.root };
    // With workers, the pool's first worker is the session loadModel reads: this thread holds none.
    const { loaded, pool } =
      workers > 1 && !parsed.values.check
        ? await loadPooled(fs, modelPath, classes, { workers, threads, predict: { tileSize } })
        : { loaded: await loadModel({ fs, createBackend: (bytes) => createBackend(provider, bytes, { threads }) }, modelPath, classes), pool: undefined };
    for (const d of loaded.model.defaults) io.err(`seglab prelabel: default: ${d}`);
    if (parsed.values.check) {
      await loaded.backend.release();
      const { name, defaults, mapping } = loaded.model;
      const images = prelabelEntries(index, { onlyUnlabeled: Boolean(parsed.values['only-unlabeled']) }).map((e) => e.stem);
      io.out(parsed.values.json ? json({ model: { name, sha256: loaded.sha256, defaults, mapping }, images }) : `${name}: fits ${index.root}`);
      return 0;
    }
    const stems = stemsOption(parsed);
    const log = progressLog(parsed);
    if (loaded.model.mapping.rule !== 'id') io.err(`seglab prelabel: classes: ${describeMapping(loaded.model.mapping, index.config)}`);
    const interrupt = abortOnSigint();
    let result: PrelabelResult;
    try {
      result = await prelabelDataset(fs, index, loaded, {
        runner: pool,
        onlyUnlabeled: Boolean(parsed.values['only-unlabeled']),
        stems,
        outDir: stringOption(parsed, 'out'),
        predict: { tileSize },
        signal: interrupt.signal,
        onProgress: ({ done, total, secondsLeft, current }) => {
          log({ type: 'progress', done, total, current });
          if (io.errIsTty)
            process.stderr.write(`\rpre-labeling ${done}/${total}${secondsLeft === undefined ? '' : `, ${Math.ceil(secondsLeft)} s left`}\x1b[K`);
        },
      });
    } finally {
      interrupt.dispose();
      await loaded.backend.release(); // the pool's, when there is one
    }
    if (io.errIsTty) process.stderr.write('\r\x1b[K');
    const { written, skipped, failed, cancelled, seconds } = result;
    log({ type: 'done', written: written.length, skipped: skipped.length, failed, cancelled, seconds });
    for (const f of result.failed) io.err(`${f.path}: ${f.message}`);
    for (const w of result.warnings) io.err(`seglab prelabel: warning: ${w}`);
    if (parsed.values.json) io.out(json(prelabelJson(loaded, result)));
    else {
      const rate =
        result.seconds > 0
          ? ` (${(result.written.length / result.seconds).toFixed(2)} images/s, ${loaded.backend.provider}${workers > 1 ? `, ${workers} workers` : ''})`
          : '';
      io.out(
        `${result.outDir}: ${count(result.written.length)} written, ${count(result.skipped.length)} already predicted by this model, ${count(result.failed.length)} failed${rate}${result.cancelled ? '; interrupted' : ''}`,
      );
    }
    return result.failed.length > 0 || result.cancelled ? 1 : 0;
  },
};
