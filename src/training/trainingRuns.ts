/**
 * The job this window follows (fine-tune, or "Show Training Jobs" following one again), for the
 * mIoU view's "Training" section. The extension makes one and hands it to both.
 */
import type { TrainingRun } from '../core/miouProtocol';
import type { JobRecord } from './client';
import { CurveRecorder } from './curves';
import type { ProgressEvent } from './events';

export class TrainingRuns {
  private recorder?: CurveRecorder;
  private readonly listeners = new Set<() => void>();

  /** The last job followed in this session (running or ended). */
  get current(): { jobId: string; run: TrainingRun } | undefined {
    return this.recorder && { jobId: this.recorder.jobId, run: this.recorder.run() };
  }

  /**
   * Starts recording `job` (replacing the previous one; following the same job again starts afresh, the stream replays from its start).
   * A click model's job is not recorded: its validation figure is the IoU after simulated clicks, which the view would show as an mIoU.
   */
  start(job: JobRecord): void {
    if (job.params.task === 'interactive') return;
    this.recorder = new CurveRecorder(job.id, `${String(job.params.arch ?? 'job')} · job ${job.id.slice(0, 8)}`, job);
    this.changed();
  }

  event(jobId: string, e: ProgressEvent): void {
    if (this.recorder?.jobId !== jobId) return;
    this.recorder.add(e);
    this.changed();
  }

  end(job: JobRecord): void {
    if (this.recorder?.jobId !== job.id) return;
    this.recorder.end(job);
    this.changed();
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
