/**
 * Client for the training service's HTTP API (backend/API.md): bearer token, JSON errors turned
 * into messages that say what to do, content-addressed dataset upload with progress.
 */
import { sha256Hex } from '../core/hash';
import type { TrainingState } from '../core/miouProtocol';
import type { PredictionManifest } from '../core/model/manifest';

/** The service's job states: the one list is core's (backend/job-contract.schema.json; test/training/jobContract.test.ts). */
export type JobState = TrainingState;

/** POST /v1/jobs: the service's JobRequest (backend/job-contract.schema.json, checked by test/training/jobContract.test.ts). */
export interface JobParams {
  dataset: string;
  arch?: string;
  /** "semantic" (default): a pre-labeling model; "interactive": a click model with a promptable card. */
  task?: string;
  backbone?: string | null;
  epochs?: number;
  patience?: number | null;
  minutes?: number | null;
  imageSize?: number | null;
  batchSize?: number | null;
  lr?: number | null;
  weightDecay?: number | null;
  optimizer?: string;
  seed?: number;
  unetBase?: number | null;
  unetDepth?: number | null;
  /** DeepLabV3+ sizes (backend/API.md). */
  asppChannels?: number | null;
  decoderChannels?: number | null;
  widthMult?: number | null;
  reducedTail?: boolean | null;
  backboneBnMomentum?: number | null;
  /** Export the model as one sigmoid channel (`output.kind: "sigmoid"`); the dataset must have 2 classes. */
  sigmoid?: boolean;
  initJob?: string | null;
  device?: string | null;
}

export interface ValMetrics {
  miou: number;
  pixelAccuracy?: number;
  iou?: (number | null)[];
}

export interface JobRecord {
  id: string;
  state: JobState;
  createdAt: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  dataset: string;
  params: Record<string, unknown> & { arch?: string };
  initJob?: string | null;
  device?: string | null;
  /** `local`: {pid}; `slurm`: {jobId, state, reason, nodes} (see backend/API.md, Executors). */
  executor?: { kind: string; pid?: number; jobId?: string; state?: string; reason?: string | null; nodes?: string[] } | null;
  epoch?: number | null;
  epochs?: number | null;
  loss?: number | null;
  metrics?: ValMetrics | null;
  history?: { epoch: number; loss: number; miou: number }[];
  error?: string | null;
  resumable?: boolean;
}

/** POST /v1/predictions (backend/API.md): one of dataset/path, one of job/model. The service's PredictionRequest (checked like JobParams). */
export interface PredictionRequest {
  dataset?: string | null;
  path?: string | null;
  job?: string | null;
  model?: string | null;
  onlyUnlabeled?: boolean;
  tileSize?: number | null;
  /** auto (default): PyTorch for a training job's model where it runs it exactly, else onnx (backend/API.md). */
  engine?: string;
}

/** The fields of a prediction job the extension reads: the service's PredictionRecord (checked like JobParams). */
export interface PredictionRecord {
  id: string;
  state: JobState;
  model: { kind: string; id: string; name: string };
  shards: number;
  done: number;
  total: number;
  written: number;
  skipped: number;
  failed: Array<{ path: string; message: string }>;
  error?: string | null;
}

/** POST /v1/embeddings (backend/API.md): Smart Select's image embeddings, computed on the backend by an uploaded encoder and its card. */
export interface EmbeddingRequest {
  dataset: string;
  model: string;
  onlyUnlabeled?: boolean;
}

/** An embedding job's record: a prediction job of kind "embeddings"; `model.keyPrefix` starts every key it writes. */
export type EmbeddingRecord = PredictionRecord & { kind: 'embeddings'; model: { keyPrefix: string }; provider?: string };

export interface DatasetSummary {
  id: string;
  bytes: number;
  labeled: number;
  existing: boolean;
}

export interface Health {
  version: string;
  torch: string;
  devices: { name: string; label: string }[];
  executor?: string;
}

/** A failed request, with a message for people (what happened and what to do). */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}

/** Upload chunk size: progress is reported after each. */
const CHUNK = 1 << 20;

export class TrainingClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** Any request; non-2xx answers and network failures become TrainingErrors. */
  async request(path: string, init: RequestInit & { duplex?: 'half' } = {}, accept: number[] = []): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('Authorization', `Bearer ${this.token}`);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { ...init, headers });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      throw new TrainingError(
        `The training backend at ${this.baseUrl} cannot be reached${cause}. Start it ("SegLab: Start Local Training Backend") or check the "seglab.training.backendUrl" setting.`,
      );
    }
    if (response.ok || accept.includes(response.status)) return response;
    const detail = await errorDetail(response);
    if (response.status === 401) {
      throw new TrainingError(`The training backend at ${this.baseUrl} refused the token (401). Set it with "SegLab: Set Training Backend Token".`, 401);
    }
    throw new TrainingError(`${init.method ?? 'GET'} ${path}: ${response.status} ${detail}`, response.status);
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.request(path, init)).json()) as T;
  }

  private post<T>(path: string, body?: unknown): Promise<T> {
    return this.json<T>(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  health(): Promise<Health> {
    return this.json('/v1/health');
  }

  /**
   * Uploads a tar archive unless the service already has the same bytes; `onProgress(sentBytes, total)`.
   * `imagesOnly`: a dataset to pre-label, whose images need no masks.
   */
  async uploadDataset(
    archive: Uint8Array,
    onProgress?: (sent: number, total: number) => void,
    signal?: AbortSignal,
    imagesOnly = false,
  ): Promise<DatasetSummary> {
    const id = await sha256Hex(archive);
    const known = await this.request(`/v1/datasets/${id}`, { signal }, [404]);
    if (known.ok) {
      onProgress?.(archive.byteLength, archive.byteLength);
      return { ...((await known.json()) as DatasetSummary), existing: true };
    }
    await known.body?.cancel();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= archive.byteLength) return controller.close();
        const chunk = archive.subarray(sent, sent + CHUNK);
        controller.enqueue(chunk);
        sent += chunk.byteLength;
        onProgress?.(sent, archive.byteLength);
      },
    });
    const response = await this.request(imagesOnly ? '/v1/datasets?imagesOnly=true' : '/v1/datasets', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(archive.byteLength) },
      body,
      duplex: 'half',
      signal,
    });
    return (await response.json()) as DatasetSummary;
  }

  createJob(params: JobParams): Promise<JobRecord> {
    return this.post('/v1/jobs', params);
  }

  job(id: string): Promise<JobRecord> {
    return this.json(`/v1/jobs/${encodeURIComponent(id)}`);
  }

  async jobs(): Promise<JobRecord[]> {
    return (await this.json<{ jobs: JobRecord[] }>('/v1/jobs')).jobs;
  }

  cancel(id: string): Promise<JobRecord> {
    return this.post(`/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }

  resume(id: string): Promise<JobRecord> {
    return this.post(`/v1/jobs/${encodeURIComponent(id)}/resume`);
  }

  async artifact(id: string, name: 'model.onnx' | 'model.json', signal?: AbortSignal): Promise<Uint8Array> {
    const response = await this.request(`/v1/jobs/${encodeURIComponent(id)}/artifacts/${name}`, { signal });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** POST /v1/models: a tar of model.onnx and model.json (packageModel); answers the model's id. */
  async uploadModel(archive: Uint8Array, signal?: AbortSignal): Promise<string> {
    const init = { method: 'POST', headers: { 'Content-Type': 'application/x-tar' }, body: new Uint8Array(archive), signal };
    return ((await (await this.request('/v1/models', init)).json()) as { id: string }).id;
  }

  createPrediction(request: PredictionRequest): Promise<PredictionRecord> {
    return this.post('/v1/predictions', request);
  }

  prediction(id: string): Promise<PredictionRecord> {
    return this.json(`/v1/predictions/${encodeURIComponent(id)}`);
  }

  cancelPrediction(id: string): Promise<PredictionRecord> {
    return this.post(`/v1/predictions/${encodeURIComponent(id)}/cancel`);
  }

  /** Stems with a finished prediction mask. */
  async predictionImages(id: string, signal?: AbortSignal): Promise<string[]> {
    return (await this.json<{ images: string[] }>(`/v1/predictions/${encodeURIComponent(id)}/images`, { signal })).images;
  }

  async predictionImage(id: string, stem: string, signal?: AbortSignal): Promise<Uint8Array> {
    const path = stem.split('/').map(encodeURIComponent).join('/');
    const response = await this.request(`/v1/predictions/${encodeURIComponent(id)}/images/${path}.png`, { signal });
    return new Uint8Array(await response.arrayBuffer());
  }

  createEmbeddings(request: EmbeddingRequest): Promise<EmbeddingRecord> {
    return this.post('/v1/embeddings', request);
  }

  /** Stem -> the cache key of each image whose embeddings are written. */
  async embeddingImages(id: string, signal?: AbortSignal): Promise<Record<string, string>> {
    return (await this.json<{ images: Record<string, string> }>(`/v1/embeddings/${encodeURIComponent(id)}/images`, { signal })).images;
  }

  /** One image's embeddings in the host's cache format (core embeddingCache.ts). */
  async embeddingImage(id: string, stem: string, signal?: AbortSignal): Promise<Uint8Array> {
    const path = stem.split('/').map(encodeURIComponent).join('/');
    const response = await this.request(`/v1/embeddings/${encodeURIComponent(id)}/images/${path}.emb`, { signal });
    return new Uint8Array(await response.arrayBuffer());
  }

  /** The per-image summary: the pre-labeler's manifest (.seglab-model.json) of the job's masks. */
  predictionSummary(id: string, signal?: AbortSignal): Promise<PredictionManifest> {
    return this.json(`/v1/predictions/${encodeURIComponent(id)}/summary`, { signal });
  }
}

/** FastAPI's `{"detail": ...}` (a string, or a list of validation problems), else the body text. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const detail = (JSON.parse(text) as { detail?: unknown }).detail;
    if (typeof detail === 'string') return detail;
    if (Array.isArray(detail)) {
      return detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg ?? JSON.stringify(d)}`).join('; ');
    }
  } catch {
    // not JSON: the text says it
  }
  return text.slice(0, 500) || response.statusText;
}
