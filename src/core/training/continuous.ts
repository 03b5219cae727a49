/**
 * "Train as you label" (setting `seglab.training.continuous`): when a round of fine-tuning starts,
 * and whether the model it brings back replaces the active one. Pure: the extension's loop
 * (src/training/continuousTraining.ts) counts the saves, runs the job and measures both models.
 */

/**
 * A round's time budget in minutes (the job's `minutes`: the best epoch within it is kept, early
 * stopping may end it sooner): `seglab.training.continuousMinutes` when set, else short enough on
 * a CPU to end while the person labels the next images, longer where a GPU trains.
 */
export function roundMinutes(setting: number | null | undefined, cpuOnly: boolean): number {
  if (typeof setting === 'number' && setting > 0) return setting;
  return cpuOnly ? DEFAULT_ROUND_MINUTES.cpu : DEFAULT_ROUND_MINUTES.gpu;
}

export const DEFAULT_ROUND_MINUTES = { cpu: 2, gpu: 5 } as const;

export interface LoopInputs {
  enabled: boolean;
  /** Masks to save between rounds (`seglab.training.continuousEvery`). */
  every: number;
  /** Masks saved since the active model became active or the last round started. */
  saves: number;
  roundRunning: boolean;
  /** A job on the backend that the loop did not start is queued or running. */
  userJobRunning: boolean;
  hasActiveModel: boolean;
}

export type StartDecision = { start: true } | { start: false; reason: string };

/** Whether a round starts now; the reason says what it waits for. */
export function shouldStart(s: LoopInputs): StartDecision {
  if (!s.enabled) return { start: false, reason: 'continuous training is off' };
  if (s.saves < s.every) return { start: false, reason: `${s.saves}/${s.every} masks saved` };
  if (s.roundRunning) return { start: false, reason: 'a round is running' };
  if (s.userJobRunning) return { start: false, reason: 'a training job you started is running' };
  if (!s.hasActiveModel) return { start: false, reason: 'no active model to fine-tune' };
  return { start: true };
}

/** Whether a backend job blocks a round: queued or running, and not one of the loop's own. */
export function blocksRound(job: { id: string; state: string }, loopJobs: ReadonlySet<string>): boolean {
  return (job.state === 'queued' || job.state === 'running') && !loopJobs.has(job.id);
}

export interface Measured {
  name: string;
  /** SegLab's val mIoU; null when no val pixel was scored. */
  miou: number | null;
}

export interface Verdict {
  activate: boolean;
  /** candidate - active, when both were measured. */
  delta?: number;
  reason: string;
}

const fmt = (v: number): string => v.toFixed(3);
const signed = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;

/** The new model replaces the active one only when its val mIoU is strictly higher, on the same val images. */
export function compareModels(active: Measured, candidate: Measured): Verdict {
  if (candidate.miou === null) return { activate: false, reason: `${candidate.name} could not be measured: no val pixel was scored` };
  if (active.miou === null) return { activate: true, reason: `${active.name} could not be measured; ${candidate.name} scores val mIoU ${fmt(candidate.miou)}` };
  const delta = candidate.miou - active.miou;
  if (delta > 0) return { activate: true, delta, reason: `${candidate.name}: val mIoU ${fmt(candidate.miou)}, ${signed(delta)} over ${active.name}` };
  return {
    activate: false,
    delta,
    reason: `${candidate.name}: val mIoU ${fmt(candidate.miou)} is not above ${active.name}'s ${fmt(active.miou)} (${signed(delta)})`,
  };
}
