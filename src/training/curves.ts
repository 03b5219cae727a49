/**
 * Training curves for the mIoU view's "Training" section: recorded live from a job's progress
 * events (backend/API.md), or read back from a model card's per-epoch metrics, so any trained
 * model's curves stay visible later. Pure: runs in tests without VS Code.
 */
import type { CurvePoint, TrainingRun, TrainingState } from '../core/miouProtocol';
import type { ModelCard } from '../core/model/card';
import type { JobRecord } from './client';
import type { ProgressEvent } from './events';

/** Step points kept per run; past this every other one is dropped (the shape stays, the view stays fast). */
export const MAX_STEP_POINTS = 400;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Appends `p`; a point at or before the last one (a resumed run repeats epochs) replaces what follows it. */
function push(points: CurvePoint[], p: CurvePoint): void {
  while (points.length > 0 && points[points.length - 1].x >= p.x) points.pop();
  points.push(p);
}

/** Halves `points` (keeping the last) whenever they exceed `max`. */
export function thin(points: CurvePoint[], max: number): CurvePoint[] {
  if (points.length <= max) return points;
  const last = points[points.length - 1];
  const kept = points.filter((_, i) => i % 2 === 0);
  if (kept[kept.length - 1] !== last) kept.push(last);
  return thin(kept, max);
}

/** The first epoch with the highest val mIoU (the trainer keeps the first best checkpoint). */
export function bestEpochOf(valMiou: readonly CurvePoint[]): number | undefined {
  let best: CurvePoint | undefined;
  for (const p of valMiou) if (!best || p.y > best.y) best = p;
  return best?.x;
}

/** Collects one job's curves from its events and its final record. */
export class CurveRecorder {
  private state: TrainingState;
  private error?: string;
  private epochs?: number;
  private stepsPerEpoch?: number;
  private readonly loss: CurvePoint[] = [];
  private stepLoss: CurvePoint[] = [];
  private readonly valMiou: CurvePoint[] = [];

  constructor(
    readonly jobId: string,
    private readonly title: string,
    job?: JobRecord,
  ) {
    this.state = job?.state ?? 'queued';
    if (finite(job?.epochs)) this.epochs = job.epochs;
    else if (finite(job?.params.epochs)) this.epochs = job.params.epochs;
  }

  add(e: ProgressEvent): void {
    if (e.type === 'start') {
      this.state = 'running';
      if (finite(e.epochs)) this.epochs = e.epochs;
      if (finite(e.stepsPerEpoch) && e.stepsPerEpoch > 0) this.stepsPerEpoch = e.stepsPerEpoch;
    } else if (e.type === 'step' && finite(e.loss) && finite(e.step)) {
      this.state = 'running';
      const spe = this.stepsPerEpoch ?? (finite(e.totalSteps) && this.epochs ? e.totalSteps / this.epochs : undefined);
      if (!spe) return;
      push(this.stepLoss, { x: e.step / spe, y: e.loss });
      if (this.stepLoss.length > 2 * MAX_STEP_POINTS) this.stepLoss = thin(this.stepLoss, MAX_STEP_POINTS);
    } else if (e.type === 'epoch' && finite(e.epoch)) {
      if (finite(e.loss)) push(this.loss, { x: e.epoch, y: e.loss });
      if (finite(e.val?.miou)) push(this.valMiou, { x: e.epoch, y: e.val.miou });
    } else if (e.type === 'error' && typeof e.message === 'string') {
      this.error = e.message;
    }
  }

  /** The final record: its state and error, and its per-epoch history (complete even if events were missed). */
  end(job: JobRecord): void {
    this.state = job.state;
    if (job.error) this.error = job.error;
    for (const h of job.history ?? []) {
      if (!finite(h.epoch)) continue;
      if (finite(h.loss) && !this.loss.some((p) => p.x === h.epoch)) push(this.loss, { x: h.epoch, y: h.loss });
      if (finite(h.miou) && !this.valMiou.some((p) => p.x === h.epoch)) push(this.valMiou, { x: h.epoch, y: h.miou });
    }
  }

  run(): TrainingRun {
    return {
      source: 'job',
      title: this.title,
      state: this.state,
      ...(this.error ? { error: this.error } : {}),
      ...(this.epochs ? { epochs: this.epochs } : {}),
      loss: [...this.loss],
      stepLoss: thin([...this.stepLoss], MAX_STEP_POINTS),
      valMiou: [...this.valMiou],
      ...(bestEpochOf(this.valMiou) ? { bestEpoch: bestEpochOf(this.valMiou) } : {}),
    };
  }
}

/** `[{epoch, <key>}]` entries with finite numbers, as points. */
function epochSeries(value: unknown, key: string): CurvePoint[] {
  if (!Array.isArray(value)) return [];
  const points: CurvePoint[] = [];
  for (const entry of value as unknown[]) {
    const e = entry as Record<string, unknown> | null;
    if (typeof e === 'object' && e !== null && Number.isInteger(e.epoch) && (e.epoch as number) > 0 && finite(e[key]))
      push(points, { x: e.epoch as number, y: e[key] });
  }
  return points;
}

/**
 * A card's curves: `metrics.valMiou` (the trainer's export) and `metrics.trainLoss` (the same
 * shape with `loss`, added from the job's history when the extension downloads the model);
 * undefined when the card has neither (a model not trained by SegLab).
 */
export function curvesFromCard(card: ModelCard): TrainingRun | undefined {
  const metrics = (card.metrics ?? {}) as Record<string, unknown>;
  const training = (card.training ?? {}) as Record<string, unknown>;
  const valMiou = epochSeries(metrics.valMiou, 'miou');
  const loss = epochSeries(metrics.trainLoss, 'loss');
  if (valMiou.length === 0 && loss.length === 0) return undefined;
  const recorded = training.bestEpoch;
  const bestEpoch = Number.isInteger(recorded) && valMiou.some((p) => p.x === recorded) ? (recorded as number) : bestEpochOf(valMiou);
  const epochs = Number.isInteger(training.epochs) && (training.epochs as number) > 0 ? (training.epochs as number) : undefined;
  return {
    source: 'card',
    title: card.name,
    state: 'succeeded',
    ...(epochs ? { epochs } : {}),
    loss,
    stepLoss: [],
    valMiou,
    ...(bestEpoch ? { bestEpoch } : {}),
  };
}

/** `metrics.trainLoss` for a card, from a job's per-epoch history. */
export function trainLossOf(job: Pick<JobRecord, 'history'>): Array<{ epoch: number; loss: number }> {
  return (job.history ?? []).filter((h) => Number.isInteger(h.epoch) && finite(h.loss)).map((h) => ({ epoch: h.epoch, loss: h.loss }));
}
