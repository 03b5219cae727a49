/** What the worker pool and its workers exchange (structured clone within one process). */
import type { ScoreJob, ScoreResult, ScoreSettings } from '../core/metrics/evaluateIncremental';

export interface BatchRequest {
  id: number;
  settings: ScoreSettings;
  jobs: ScoreJob[];
}

export type BatchReply = { id: number; results: ScoreResult[]; error?: undefined } | { id: number; error: string; results?: undefined };
