/**
 * The host side of the mIoU view's "Training" section: the curves of the job this window follows
 * (live, from trainingRuns) and of the selected model, read from its card in the dataset's
 * models/ folder. Posts a TrainingMessage when either changes, at most a few times a second
 * while a job streams steps.
 */
import type { FileSystem } from '../core/fileSystem';
import { MiouMessageType, type TrainingMessage, type TrainingRun } from '../core/miouProtocol';
import { MODELS_FOLDER, parseModelCard, type ModelCard } from '../core/model/card';
import { joinPath } from '../core/paths';
import { curvesFromCard } from '../training/curves';
import type { TrainingRuns } from '../training/trainingRuns';
import { errorMessage } from '../core/errors';

const POST_INTERVAL_MS = 250;

/** The card whose `name` is `model` (the predictions folder it writes): `models/<model>.json` first, else any card there. */
export async function findCard(fs: FileSystem, root: string, model: string): Promise<ModelCard | undefined> {
  const folder = joinPath(root, MODELS_FOLDER);
  const read = async (file: string) => {
    const path = joinPath(folder, file);
    return parseModelCard(new TextDecoder().decode(await fs.readFile(path)), path);
  };
  const direct = await read(`${model}.json`).catch(() => undefined);
  if (direct?.name === model) return direct;
  const files = await fs.readDirectory(folder).catch(() => []);
  for (const [file, type] of files) {
    if (type !== 'file' || !file.endsWith('.json') || file === `${model}.json`) continue;
    const card = await read(file).catch(() => undefined);
    if (card?.name === model) return card;
  }
  return undefined;
}

export interface SelectedModel {
  fs: FileSystem;
  root: string;
  model: string;
}

export class TrainingPanel {
  private selected?: { key: string; run?: TrainingRun; jobId?: string; note?: string };
  private timer?: ReturnType<typeof setTimeout>;
  private lastPost = 0;
  private generation = 0;
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly runs: TrainingRuns,
    private readonly post: (message: TrainingMessage) => void,
    private readonly warn: (message: string) => void,
  ) {
    this.subscription = runs.onDidChange(() => this.schedule());
  }

  /** The view shows `selected` (undefined: no model); reads its card when the model changed. */
  async select(selected: SelectedModel | undefined): Promise<void> {
    const key = selected ? `${selected.root}\n${selected.model}` : '';
    if (this.selected?.key === key) return;
    const generation = ++this.generation;
    let state: NonNullable<typeof this.selected> = { key };
    if (selected && selected.model) {
      try {
        const card = await findCard(selected.fs, selected.root, selected.model);
        const run = card && curvesFromCard(card);
        const job = (card?.training as { job?: unknown } | undefined)?.job;
        state = run
          ? { key, run, jobId: typeof job === 'string' ? job : undefined }
          : {
              key,
              note: card
                ? `The card of ${selected.model} has no training metrics (it was not trained by SegLab).`
                : `${selected.model} has no model card in ${MODELS_FOLDER}/, so no training curves.`,
            };
      } catch (error) {
        this.warn(`training curves of ${selected.model}: ${errorMessage(error)}`);
      }
    }
    if (generation !== this.generation) return;
    this.selected = state;
    this.send();
  }

  /** Steps come in bursts: post now if the last post is old enough, else once a little later. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastPost + POST_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, wait);
  }

  /** The followed job first; the selected model's card unless it is that job's model. */
  message(): TrainingMessage {
    const current = this.runs.current;
    const runs: TrainingRun[] = [];
    if (current) runs.push(current.run);
    const sel = this.selected;
    if (sel?.run && !(current && sel.jobId === current.jobId && current.run.state === 'succeeded')) runs.push(sel.run);
    return { type: MiouMessageType.Training, runs, ...(sel?.note ? { note: sel.note } : {}) };
  }

  private send(): void {
    this.lastPost = Date.now();
    this.post(this.message());
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }
}
