/**
 * A pool of native ONNX Runtime sessions in worker threads for batch pre-labeling (Pre-label
 * Dataset and `seglab prelabel` with more than one worker). Each worker holds its own session and
 * does an image's whole step (decode, predict, PNG encode); prelabelDataset keeps one image per
 * worker in flight and writes the results in entry order, so the files are those of the
 * single-session path.
 *
 * The main thread holds no session (one copy of the model a worker): loadModel takes the pool's
 * `backend`, whose inputs and outputs are the first worker's session's and whose runs (the
 * channel probe) go to a worker; prepare() then hands every worker the model as resolved.
 *
 * Threads: each worker's session gets floor(cores / workers) intra-op threads (at least 1, at
 * most 4 as a single session), so the pool never asks for more threads than there are cores.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DatasetConfig } from '../core/dataset/types';
import { DataError, errorMessage } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import type { InferenceBackend, InferenceOutput, ModelIo } from '../core/model/backend';
import type { DatasetClasses } from '../core/model/classMapping';
import { loadModel, type LoadedModel } from '../core/model/load';
import type { PredictOptions } from '../core/model/pipeline';
import { PrelabelRunnerError, type MaskPrediction, type PrelabelRunner } from '../core/model/prelabelDataset';
import type { ResolvedModel } from '../core/model/resolve';
import type { InputTensor } from '../core/model/tensors';

/** What a worker starts with. */
export interface WorkerSetup {
  modelBytes: Uint8Array;
  threads: number;
}

/** What every image is predicted with: the model as loadModel resolved it against the dataset. */
export interface RunSetup {
  model: ResolvedModel;
  config: Pick<DatasetConfig, 'classes' | 'ignoreIndex'>;
  predict: Pick<PredictOptions, 'tileSize' | 'overlap'>;
}

export interface ImageRequest {
  type: 'image';
  id: number;
  bytes: Uint8Array;
  imagePath: string;
}

/** What the pool posts to a worker: the run's setup, an image, one session run, or the request to end after the work in hand. */
export type PoolRequest =
  { type: 'setup'; run: RunSetup } | ImageRequest | { type: 'run'; id: number; input: InputTensor; outputName?: string } | { type: 'close' };

/** A worker's answer to an image (a MaskPrediction) or a run (an InferenceOutput). */
export type PoolReply = { id: number; value: MaskPrediction | InferenceOutput; error?: undefined } | { id: number; error: { path?: string; detail: string } };

export type StartReply = { ready: true; io: ModelIo } | { ready: false; reason: string };

/** The default number of workers: one core is left to the extension host / main thread. */
export const defaultWorkers = (cores = availableParallelism()) => Math.max(1, cores - 1);

/** Intra-op threads per worker session for `workers` workers on `cores` cores. */
export const threadsPerWorker = (workers: number, cores = availableParallelism()) => Math.max(1, Math.min(4, Math.floor(cores / workers)));

/** dist/prelabelWorker.js next to the bundle that contains this module (dist/extension.js, dist/cli.js). */
export const bundledWorkerScript = () => join(__dirname, 'prelabelWorker.js');

interface Slot {
  worker: Worker;
  busy?: { id: number; resolve(value: unknown): void; reject(e: Error): void };
}

export interface PoolOptions {
  workers: number;
  /** Per worker; default threadsPerWorker(workers). */
  threads?: number;
  /** Default bundledWorkerScript(). */
  script?: string;
}

export class PrelabelPool implements PrelabelRunner {
  readonly slots: number;
  /**
   * The model's session as this thread sees it, for loadModel: the first worker's inputs and
   * outputs, runs in a worker; release() closes the pool.
   */
  readonly backend: InferenceBackend;
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ resolve(slot: Slot): void; reject(e: Error): void }> = [];
  private prepared = false;
  private dead?: PrelabelRunnerError;
  private closing?: Promise<void>;
  private nextId = 1;

  private constructor(
    private readonly all: Slot[],
    private readonly modelPath: string,
    io: ModelIo,
  ) {
    this.slots = all.length;
    this.idle.push(...all);
    for (const slot of all) this.watch(slot);
    this.backend = {
      provider: 'cpu',
      io,
      run: (input, outputName) => this.call<InferenceOutput>((id) => ({ type: 'run', id, input, outputName })),
      release: () => this.dispose(),
    };
  }

  /**
   * Starts the workers on the model file's bytes (`modelPath` names it in errors) and waits until
   * each has its session; one that cannot start stops them all and rejects with a one-line reason.
   */
  static async start(modelBytes: Uint8Array, modelPath: string, options: PoolOptions): Promise<PrelabelPool> {
    const script = options.script ?? bundledWorkerScript();
    if (!existsSync(script)) throw new Error(`cannot start pre-labeling workers: ${script} is missing (run npm run build)`);
    const setup: WorkerSetup = { modelBytes, threads: options.threads ?? threadsPerWorker(options.workers) };
    const workers = Array.from({ length: Math.max(1, options.workers) }, () => new Worker(script, { workerData: setup }));
    let io: ModelIo[];
    try {
      io = await Promise.all(workers.map(started));
    } catch (error) {
      await Promise.all(workers.map(close));
      throw new Error(`a pre-labeling worker could not start (${oneLine(errorMessage(error))})`, { cause: error });
    }
    return new PrelabelPool(
      workers.map((worker) => ({ worker })),
      modelPath,
      io[0],
    );
  }

  /** Hands every worker the model as loadModel resolved it (through `backend`); before the first image. */
  prepare(model: ResolvedModel, config: RunSetup['config'], predict: RunSetup['predict'] = {}): this {
    const run: RunSetup = { model, config: { classes: config.classes, ignoreIndex: config.ignoreIndex }, predict };
    for (const slot of this.all) slot.worker.postMessage({ type: 'setup', run } satisfies PoolRequest);
    this.prepared = true;
    return this;
  }

  predict(bytes: Uint8Array, imagePath: string, signal?: AbortSignal): Promise<MaskPrediction> {
    if (!this.prepared) return Promise.reject(new Error('the pre-labeling pool has no model yet: prepare() it first'));
    return this.call<MaskPrediction>((id) => ({ type: 'image', id, bytes, imagePath }), signal);
  }

  /** Posts one request to an idle worker and waits for its answer. */
  private async call<T>(request: (id: number) => PoolRequest, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    const slot = await this.acquire();
    const id = this.nextId++;
    // A cancel answers at once; the worker finishes its image, its reply is dropped and frees the slot.
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
        signal?.addEventListener('abort', onAbort, { once: true });
        slot.busy = { id, resolve: resolve as (value: unknown) => void, reject };
        slot.worker.postMessage(request(id));
      });
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private acquire(): Promise<Slot> {
    if (this.dead) return Promise.reject(this.dead);
    const slot = this.idle.pop();
    return slot ? Promise.resolve(slot) : new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next.resolve(slot);
    else this.idle.push(slot);
  }

  private watch(slot: Slot): void {
    slot.worker.on('message', (reply: PoolReply) => {
      const busy = slot.busy;
      slot.busy = undefined;
      if (busy?.id === reply.id) {
        if (reply.error) busy.reject(reply.error.path ? new DataError(reply.error.path, reply.error.detail) : new Error(reply.error.detail));
        else busy.resolve(reply.value);
      }
      this.release(slot);
    });
    const fail = (reason: string) => {
      reason = oneLine(reason);
      if (this.dead) return;
      this.dead = new PrelabelRunnerError(this.modelPath, `a pre-labeling worker stopped (${reason})`);
      for (const s of this.all) s.busy?.reject(this.dead);
      for (const w of this.waiting.splice(0)) w.reject(this.dead);
      void this.dispose();
    };
    slot.worker.on('error', (error) => fail(errorMessage(error)));
    slot.worker.on('exit', (code) => fail(`exit code ${code}`));
  }

  /** Ends every worker once its image in hand is done (a cancelled run's last images included). */
  async dispose(): Promise<void> {
    this.dead ??= new PrelabelRunnerError(this.modelPath, 'the pre-labeling pool was closed');
    this.closing ??= Promise.all(this.all.map((s) => close(s.worker))).then(() => undefined);
    await this.closing;
  }
}

/** The model loaded against a dataset's classes through a pool of `options.workers`, the pool prepared to predict with it. */
export async function loadPooled(
  fs: FileSystem,
  path: string,
  dataset: DatasetClasses & RunSetup['config'],
  options: PoolOptions & { predict?: RunSetup['predict'] },
): Promise<{ loaded: LoadedModel; pool: PrelabelPool }> {
  let pool: PrelabelPool | undefined;
  const loaded = await loadModel({ fs, createBackend: async (bytes) => (pool = await PrelabelPool.start(bytes, path, options)).backend }, path, dataset);
  return { loaded, pool: pool!.prepare(loaded.model, dataset, options.predict) };
}

/**
 * Asks a worker to end and waits for its exit. terminate() is the last resort for one that does
 * not end within CLOSE_GRACE_MS: it would abort the process if a native run were still in flight.
 */
function close(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return Promise.resolve(); // already exited
  return new Promise((resolve) => {
    const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ type: 'close' } satisfies PoolRequest);
  });
}

const CLOSE_GRACE_MS = 60_000;

/** The worker's session's inputs and outputs, once it has one. */
function started(worker: Worker): Promise<ModelIo> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: StartReply) => (reply.ready ? resolve(reply.io) : reject(new Error(reply.reason))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code}`)));
  });
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
