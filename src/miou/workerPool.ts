/**
 * A small pool of mIoU worker threads. Jobs go out in batches, two per worker in flight so a
 * worker never waits for the next one; progress is reported per batch; an abort rejects at once
 * (batches already sent finish in the background and are dropped). Idle workers exit after a
 * while so the pool costs nothing between computations.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScoreJob, ScoreResult, Scorer, ScoreSettings } from '../core/metrics/evaluateIncremental';
import type { BatchReply, BatchRequest } from './workerMessages';

const BATCH = 16;
const IN_FLIGHT_PER_WORKER = 2;
const IDLE_EXIT_MS = 30_000;

interface Pending {
  resolve(results: ScoreResult[]): void;
  reject(error: Error): void;
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer?: ReturnType<typeof setTimeout>;

  constructor(
    /** The bundled worker script (dist/miouWorker.js). */
    private readonly script: string,
    readonly size = Math.max(1, Math.min(4, availableParallelism())),
  ) {}

  /** A Scorer that runs on this pool's workers; the workers read the (local) files themselves. */
  scorer(settings: ScoreSettings): Scorer {
    return (jobs, progress) => this.run(jobs, settings, progress.onProgress, progress.signal);
  }

  private async run(
    jobs: readonly ScoreJob[],
    settings: ScoreSettings,
    onProgress?: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<ScoreResult[]> {
    signal?.throwIfAborted();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    while (this.workers.length < this.size) this.workers.push(this.spawn());
    const batches: ScoreJob[][] = [];
    for (let i = 0; i < jobs.length; i += BATCH) batches.push(jobs.slice(i, i + BATCH));
    const out: ScoreResult[][] = new Array(batches.length);
    let next = 0;
    let done = 0;
    const lane = async (worker: Worker) => {
      while (next < batches.length) {
        signal?.throwIfAborted();
        const b = next++;
        out[b] = await this.send(worker, { id: this.nextId++, settings, jobs: batches[b] }, signal);
        done += batches[b].length;
        onProgress?.(done, jobs.length);
      }
    };
    try {
      await Promise.all(this.workers.flatMap((w) => Array.from({ length: IN_FLIGHT_PER_WORKER }, () => lane(w))));
    } finally {
      this.idleTimer = setTimeout(() => this.terminate(), IDLE_EXIT_MS);
      this.idleTimer.unref?.();
    }
    return out.flat();
  }

  private send(worker: Worker, request: BatchRequest, signal?: AbortSignal): Promise<ScoreResult[]> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(request.id);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(request.id, {
        resolve: (r) => (signal?.removeEventListener('abort', onAbort), resolve(r)),
        reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
      });
      worker.postMessage(request);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(this.script);
    worker.on('message', (reply: BatchReply) => {
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) p?.reject(new Error(`mIoU worker: ${reply.error}`));
      else p?.resolve(reply.results);
    });
    const fail = (error: Error) => {
      // A dead worker fails everything in flight; the next run starts fresh workers.
      this.workers.splice(this.workers.indexOf(worker), 1);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => code !== 0 && this.workers.includes(worker) && fail(new Error(`mIoU worker exited with code ${code}`)));
    return worker;
  }

  /** Stops the workers (they are started again on the next run). */
  terminate(): void {
    for (const w of this.workers.splice(0)) void w.terminate();
  }

  dispose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.terminate();
    for (const p of this.pending.values()) p.reject(new Error('mIoU worker pool disposed'));
    this.pending.clear();
  }
}
