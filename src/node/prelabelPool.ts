/**
 * A pool of native ONNX Runtime sessions in worker threads for batch pre-labeling (Pre-label
 * Dataset and `seglab prelabel` with more than one worker). Each worker holds its own session and
 * does an image's whole step (decode, predict, PNG encode); prelabelDataset keeps one image per
 * worker in flight and writes the results in entry order, so the files are those of the
 * single-session path.
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
import type { LoadedModel } from '../core/model/load';
import type { PredictOptions } from '../core/model/pipeline';
import { PrelabelRunnerError, type MaskPrediction, type PrelabelRunner } from '../core/model/prelabelDataset';
import type { ResolvedModel } from '../core/model/resolve';

export interface WorkerSetup {
  modelBytes: Uint8Array;
  model: ResolvedModel;
  threads: number;
  config: Pick<DatasetConfig, 'classes' | 'ignoreIndex'>;
  predict: Pick<PredictOptions, 'tileSize' | 'overlap'>;
}

export interface ImageRequest {
  type: 'image';
  id: number;
  bytes: Uint8Array;
  imagePath: string;
}

/** What the pool posts to a worker: an image, or the request to end after the image in hand. */
export type PoolRequest = ImageRequest | { type: 'close' };

export type ImageReply = { id: number; prediction: MaskPrediction; error?: undefined } | { id: number; error: { path?: string; detail: string } };

type StartReply = { ready: true } | { ready: false; reason: string };

/** The default number of workers: one core is left to the extension host / main thread. */
export const defaultWorkers = (cores = availableParallelism()) => Math.max(1, cores - 1);

/** Intra-op threads per worker session for `workers` workers on `cores` cores. */
export const threadsPerWorker = (workers: number, cores = availableParallelism()) => Math.max(1, Math.min(4, Math.floor(cores / workers)));

/** dist/prelabelWorker.js next to the bundle that contains this module (dist/extension.js, dist/cli.js). */
export const bundledWorkerScript = () => join(__dirname, 'prelabelWorker.js');

interface Slot {
  worker: Worker;
  busy?: { id: number; resolve(m: MaskPrediction): void; reject(e: Error): void };
}

export interface PoolOptions {
  workers: number;
  /** Per worker; default threadsPerWorker(workers). */
  threads?: number;
  predict?: Pick<PredictOptions, 'tileSize' | 'overlap'>;
  /** Default bundledWorkerScript(). */
  script?: string;
}

export class PrelabelPool implements PrelabelRunner {
  readonly slots: number;
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<{ resolve(slot: Slot): void; reject(e: Error): void }> = [];
  private dead?: PrelabelRunnerError;
  private closing?: Promise<void>;
  private nextId = 1;

  private constructor(
    private readonly all: Slot[],
    private readonly modelPath: string,
  ) {
    this.slots = all.length;
    this.idle.push(...all);
    for (const slot of all) this.watch(slot);
  }

  /**
   * Starts the workers and waits until each has its session; one that cannot start stops them all
   * and rejects with a one-line reason naming the model file.
   */
  static async start(loaded: LoadedModel, modelBytes: Uint8Array, config: WorkerSetup['config'], options: PoolOptions): Promise<PrelabelPool> {
    const script = options.script ?? bundledWorkerScript();
    if (!existsSync(script)) throw new DataError(loaded.path, `cannot start pre-labeling workers: ${script} is missing (run npm run build)`);
    const setup: WorkerSetup = {
      modelBytes,
      model: loaded.model,
      threads: options.threads ?? threadsPerWorker(options.workers),
      config: { classes: config.classes, ignoreIndex: config.ignoreIndex },
      predict: options.predict ?? {},
    };
    const workers = Array.from({ length: Math.max(1, options.workers) }, () => new Worker(script, { workerData: setup }));
    try {
      await Promise.all(workers.map(started));
    } catch (error) {
      await Promise.all(workers.map(close));
      throw new DataError(loaded.path, `a pre-labeling worker could not start (${oneLine(errorMessage(error))})`);
    }
    return new PrelabelPool(
      workers.map((worker) => ({ worker })),
      loaded.path,
    );
  }

  async predict(bytes: Uint8Array, imagePath: string, signal?: AbortSignal): Promise<MaskPrediction> {
    signal?.throwIfAborted();
    const slot = await this.acquire();
    const id = this.nextId++;
    // A cancel answers at once; the worker finishes its image, its reply is dropped and frees the slot.
    let onAbort: (() => void) | undefined;
    try {
      return await new Promise<MaskPrediction>((resolve, reject) => {
        onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
        signal?.addEventListener('abort', onAbort, { once: true });
        slot.busy = { id, resolve, reject };
        slot.worker.postMessage({ type: 'image', id, bytes, imagePath } satisfies ImageRequest);
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
    slot.worker.on('message', (reply: ImageReply) => {
      const busy = slot.busy;
      slot.busy = undefined;
      if (busy?.id === reply.id) {
        if (reply.error) busy.reject(reply.error.path ? new DataError(reply.error.path, reply.error.detail) : new Error(reply.error.detail));
        else busy.resolve(reply.prediction);
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

function started(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: StartReply) => (reply.ready ? resolve() : reject(new Error(reply.reason))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited with code ${code}`)));
  });
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
