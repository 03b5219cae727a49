/**
 * Follows a job's Server-Sent Events stream (`GET /v1/jobs/{id}/events`) until `event: end`,
 * reconnecting from the last event id when the connection drops before that.
 */
import { TrainingError, type JobRecord, type TrainingClient, type ValMetrics } from './client';

/** One line of the trainer's progress.jsonl (see backend/API.md). */
export interface ProgressEvent {
  type: 'start' | 'step' | 'epoch' | 'stopped' | 'exported' | 'done' | 'error' | string;
  epoch?: number;
  step?: number;
  totalSteps?: number;
  loss?: number;
  val?: ValMetrics;
  best?: boolean;
  seconds?: number;
  imagesPerSecond?: number;
  message?: string;
  [key: string]: unknown;
}

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

/** Splits an SSE byte stream into messages (comments and keep-alives are skipped). */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let message: { id?: string; event?: string; data: string[] } = { data: [] };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(buffer[newline] === '\r' ? newline + 2 : newline + 1);
      if (line === '') {
        if (message.data.length > 0 || message.event) yield { id: message.id, event: message.event ?? 'message', data: message.data.join('\n') };
        message = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') message.data.push(value);
      else if (field === 'event') message.event = value;
      else if (field === 'id') message.id = value;
    }
  }
}

const RECONNECTS = 5;

/**
 * Calls `onEvent` for each progress line and returns the final job record. Stops (and returns
 * the current record) when `signal` aborts; cancelling the job is the caller's choice.
 * `resource`: training jobs, or prediction jobs (the same event stream).
 */
export async function followJob<R = JobRecord>(
  client: TrainingClient,
  jobId: string,
  onEvent: (e: ProgressEvent) => void,
  signal?: AbortSignal,
  resource: 'jobs' | 'predictions' = 'jobs',
): Promise<R> {
  const current = () => (resource === 'jobs' ? client.job(jobId) : client.prediction(jobId)) as Promise<R>;
  let lastId: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      if (lastId !== undefined) headers['Last-Event-ID'] = lastId;
      const response = await client.request(`/v1/${resource}/${encodeURIComponent(jobId)}/events`, { headers, signal });
      if (!response.body) throw new TrainingError(`the event stream of job ${jobId} has no body`);
      for await (const message of parseSse(response.body)) {
        if (message.id !== undefined) lastId = message.id;
        if (message.event === 'end') return JSON.parse(message.data) as R;
        if (message.event === 'progress') onEvent(JSON.parse(message.data) as ProgressEvent);
      }
    } catch (error) {
      if (signal?.aborted) return current();
      if (error instanceof TrainingError || attempt >= RECONNECTS) throw error;
    }
    if (signal?.aborted) return current();
    // The stream ended without `end` (connection dropped): pick up after the last event seen.
    if (attempt >= RECONNECTS) throw new TrainingError(`the event stream of job ${jobId} kept ending before the job finished`);
    await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
  }
}

/** One log line per interesting event (epochs, export, errors); steps are for the progress bar. */
export function describeEvent(e: ProgressEvent): string | undefined {
  const num = (v: unknown, digits: number) => (typeof v === 'number' ? v.toFixed(digits) : '?');
  switch (e.type) {
    case 'start': {
      // `init`: {init: the checkpoint, loaded, of: tensors taken from it} when the run starts from a model.
      const init = e.init as { init?: unknown; loaded?: unknown; of?: unknown } | null | undefined;
      const from = init ? `, from ${String(init.init)} (${String(init.loaded)}/${String(init.of)} tensors)` : '';
      return `start: ${String(e.arch)} on ${String(e.device)}, ${String(e.train)} train / ${String(e.val)} val images, epochs ${num(e.startEpoch, 0)}..${String(e.epochs)}${from}`;
    }
    case 'epoch':
      return `epoch ${String(e.epoch)}: loss ${num(e.loss, 4)}, val mIoU ${num(e.val?.miou, 4)}${e.best ? ' (best)' : ''}, ${num(e.imagesPerSecond, 1)} img/s`;
    case 'exported':
      return `exported ${String(e.onnx)} (sha256 ${String(e.sha256).slice(0, 12)}…)`;
    case 'done':
      return `done: best val mIoU ${num(e.bestMiou, 4)}`;
    case 'error':
      return `error: ${String(e.message)}`;
    case 'stopped':
      return 'stopped';
    default:
      return undefined;
  }
}
