/**
 * How long a training run takes: the budgets the Fine-tune dialog offers, the devices the backend
 * reports in words, and the time left of a running job measured from its own progress events
 * (the trainer stamps each line with its wall-clock `time`), so no guess about the hardware is made.
 */

/** A time-budget run sends this epoch cap (the job API's largest): the minutes and early stopping end it. */
export const BUDGET_EPOCH_CAP = 10000;

/** The Fine-tune dialog's budgets, in minutes. */
export const BUDGET_MINUTES = [5, 20, 60] as const;

/** A run projected to take longer than this on a CPU is worth a warning (and the offer to cancel it). */
export const LONG_CPU_RUN_SECONDS = 30 * 60;

export interface DeviceInfo {
  name: string;
  label: string;
}

/** Only CPUs train on this backend. */
export function cpuOnly(devices: readonly DeviceInfo[]): boolean {
  return devices.every((d) => d.name === 'cpu');
}

/** "the CPU", "NVIDIA H100 80GB HBM3 (cuda:0)" or "2 GPUs: …" for the dialog. */
export function describeDevices(devices: readonly DeviceInfo[]): string {
  if (devices.length === 0) return 'an unknown device';
  if (cpuOnly(devices)) return 'the CPU (no GPU)';
  const named = devices.map((d) => `${d.label} (${d.name})`);
  return devices.length === 1 ? named[0] : `${devices.length} devices: ${named.join(', ')}`;
}

/** m:ss, or h:mm:ss from an hour on. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const mmss = (n: number) => `${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}`;
  return s < 3600 ? mmss(s) : `${Math.floor(s / 3600)}:${mmss(s % 3600).padStart(5, '0')}`;
}

/** The fields of a progress line (backend/API.md) that timing needs. */
export interface TimedEvent {
  type: string;
  /** Wall-clock seconds when the trainer wrote the line. */
  time?: unknown;
  step?: unknown;
  totalSteps?: unknown;
  minutes?: unknown;
  /** The start line's device ("cpu", "cuda:0"). */
  device?: unknown;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Time left of one run, from its progress events: the pace between the first and the latest
 * step line (validation and checkpoints between them included), times the steps left, capped by
 * what is left of a time budget. Steps before the first line (start-up, the first step's warm-up)
 * are not part of the pace.
 */
export class RunClock {
  private started?: number;
  private budgetSeconds?: number;
  private device?: string;
  private first?: { step: number; time: number };
  private last?: { step: number; time: number; total: number };

  event(e: TimedEvent): void {
    const time = num(e.time);
    if (time === undefined) return;
    if (e.type === 'start') {
      this.started = time;
      const minutes = num(e.minutes);
      this.budgetSeconds = minutes === undefined ? undefined : minutes * 60;
      this.device = typeof e.device === 'string' ? e.device : undefined;
    } else if (e.type === 'step') {
      const step = num(e.step);
      const total = num(e.totalSteps);
      if (step === undefined || total === undefined) return;
      if (!this.first) this.first = { step, time };
      this.last = { step, time, total };
    }
  }

  /** Seconds a step takes, once two step lines are apart. */
  secondsPerStep(): number | undefined {
    const { first, last } = this;
    return first && last && last.step > first.step ? (last.time - first.time) / (last.step - first.step) : undefined;
  }

  /** Seconds left as of the latest step line; undefined until the pace is measured. */
  secondsLeft(): number | undefined {
    const pace = this.secondsPerStep();
    if (pace === undefined || !this.last) return undefined;
    const bySteps = Math.max(0, this.last.total - this.last.step) * pace;
    if (this.budgetSeconds === undefined || this.started === undefined) return bySteps;
    return Math.min(bySteps, Math.max(0, this.budgetSeconds - (this.last.time - this.started)));
  }

  /** A CPU run given epochs rather than a time budget that its measured pace puts over LONG_CPU_RUN_SECONDS. */
  longCpuRun(): boolean {
    const projected = this.projectedSeconds();
    return this.device === 'cpu' && this.budgetSeconds === undefined && projected !== undefined && projected > LONG_CPU_RUN_SECONDS;
  }

  /** The whole run's projected length (from its start line), once the pace is measured. */
  projectedSeconds(): number | undefined {
    const left = this.secondsLeft();
    if (left === undefined || !this.last) return undefined;
    return left + this.last.time - (this.started ?? this.first?.time ?? this.last.time);
  }
}
