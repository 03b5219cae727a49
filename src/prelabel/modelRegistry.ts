/**
 * The models SegLab knows: `*.onnx` in each dataset's `models/` folder and in the folders of the
 * `seglab.models` setting, except the encoders and decoders that promptable (Smart Select) cards
 * name; the active one (per workspace, in workspaceState; while none was chosen, the best val mIoU
 * on the cards: core/model/activeModel.ts) and the status bar item that shows it with the provider
 * and time of the last run.
 */
import * as vscode from 'vscode';
import { chooseActive, recordedValMiou, type StoredChoice } from '../core/model/activeModel';
import { MODELS_FOLDER } from '../core/model/card';
import { readCard } from '../core/model/load';
import { promptableFilesIn } from '../core/model/promptable/load';
import { isPromptableCardJson, parsePromptableCard, type PromptableCard } from '../core/model/promptable/card';
import { baseName, stemOf } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import { VscodeFileSystem } from '../dataset/vscodeFileSystem';
import { restrictedValue } from '../restrictedSettings';
import { errorMessage } from '../core/errors';

const ACTIVE_KEY = 'seglab.activeModel';
/** The Smart Select model the person chose: {uri, name} of its card. */
const PROMPTABLE_KEY = 'seglab.activePromptableModel';

export interface ModelEntry {
  uri: vscode.Uri;
  /** Card name, or the file name without .onnx. */
  name: string;
  /** FileSystem rooted at the model's folder; `path` is the model's path in it. */
  fs: VscodeFileSystem;
  path: string;
  hasCard: boolean;
  /** The val mIoU its card records, if any. */
  valMiou?: number;
  /** The dataset whose models/ folder holds it; undefined for setting folders. */
  dataset?: DatasetState;
}

export interface LastRun {
  provider: string;
  secondsPerImage: number;
}

async function modelsIn(folder: vscode.Uri, dataset: DatasetState | undefined, log: vscode.LogOutputChannel): Promise<ModelEntry[]> {
  const fs = new VscodeFileSystem(folder);
  let names: string[];
  try {
    const promptable = await promptableFilesIn(fs, folder.path);
    names = (await fs.readDirectory(folder.path)).filter(([n, t]) => t === 'file' && n.toLowerCase().endsWith('.onnx') && !promptable.has(n)).map(([n]) => n);
  } catch {
    return []; // no models/ folder
  }
  const entries: ModelEntry[] = [];
  for (const n of names.sort()) {
    const path = `${folder.path}/${n}`;
    let card;
    try {
      card = await readCard(fs, path);
    } catch (error) {
      log.warn(`${errorMessage(error)} (the model is listed without its card until this is fixed)`);
    }
    const valMiou = recordedValMiou(card?.card.metrics);
    entries.push({
      uri: vscode.Uri.joinPath(folder, n),
      name: card?.card.name ?? stemOf(baseName(n)),
      fs,
      path,
      hasCard: card !== undefined,
      ...(valMiou === undefined ? {} : { valMiou }),
      dataset,
    });
  }
  return entries;
}

/** A promptable (Smart Select) model: its card, which names its encoder and decoder next to it. */
export interface PromptableEntry {
  /** The card's URI. */
  uri: vscode.Uri;
  name: string;
  card: PromptableCard;
  dataset?: DatasetState;
}

/** The promptable cards in a folder; a card that does not parse is logged and left out. */
async function promptableIn(folder: vscode.Uri, dataset: DatasetState | undefined, log: vscode.LogOutputChannel): Promise<PromptableEntry[]> {
  const fs = new VscodeFileSystem(folder);
  let names: string[];
  try {
    names = (await fs.readDirectory(folder.path)).filter(([n, t]) => t === 'file' && n.toLowerCase().endsWith('.json')).map(([n]) => n);
  } catch {
    return [];
  }
  const entries: PromptableEntry[] = [];
  for (const n of names) {
    const path = `${folder.path}/${n}`;
    try {
      const text = new TextDecoder().decode(await fs.readFile(path));
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        continue; // not a card: parsePromptableCard would say so for every stray JSON file
      }
      if (!isPromptableCardJson(raw)) continue;
      const card = parsePromptableCard(text, vscode.Uri.joinPath(folder, n).fsPath);
      entries.push({ uri: vscode.Uri.joinPath(folder, n), name: card.name, card, dataset });
    } catch (error) {
      log.warn(`${errorMessage(error)} (the Smart Select model is not listed until this is fixed)`);
    }
  }
  return entries;
}

/**
 * Folders named by `seglab.models`: absolute paths, `~/...`, or relative to the first workspace
 * folder. In Restricted Mode only the user's value counts (restrictedSettings.ts).
 */
function settingFolders(): vscode.Uri[] {
  const folders = restrictedValue<string[]>(vscode.workspace.getConfiguration('seglab'), 'models', [], vscode.workspace.isTrusted);
  const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
  const base = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folders.flatMap((f) => {
    const p = f.startsWith('~/') ? home + f.slice(1) : f;
    if (p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p)) return [vscode.Uri.file(p)];
    return base ? [vscode.Uri.joinPath(base, p)] : [];
  });
}

export class ModelRegistry implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('seglab.model', vscode.StatusBarAlignment.Left, 50);
  private lastRun?: LastRun;
  /** The Smart Select model as last resolved, for the tooltip. */
  private promptableShown?: { name: string; path: string; auto: boolean };
  private readonly subscription: vscode.Disposable;
  private choosing: Promise<void> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the active model changes. */
  readonly onDidChangeActive = this.changed.event;

  constructor(
    private readonly datasets: DatasetRegistry,
    private readonly memento: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.status.name = vscode.l10n.t('SegLab Model');
    this.status.command = 'seglab.selectModel';
    this.subscription = datasets.onDidChange(() => {
      this.update();
      this.chooseIfUnset();
      void this.activePromptable().catch((error: unknown) => this.log.warn(`listing Smart Select models: ${errorMessage(error)}`));
    });
    this.update();
    this.chooseIfUnset();
    void this.activePromptable().catch((error: unknown) => this.log.warn(`listing Smart Select models: ${errorMessage(error)}`));
  }

  /** While the person has chosen no model, the best recorded val mIoU among the listed ones becomes active. */
  private chooseIfUnset(): void {
    this.choosing = this.choosing
      .then(async () => {
        const stored = this.stored;
        if (stored && !stored.auto) return;
        const choice = chooseActive(
          stored,
          (await this.list()).map((m) => ({ uri: m.uri.toString(), name: m.name, valMiou: m.valMiou })),
        );
        if (!choice || (choice.uri === stored?.uri && choice.auto?.valMiou === stored.auto?.valMiou)) return;
        this.log.info(
          `active model: ${choice.name}, chosen automatically (best val mIoU ${choice.auto?.valMiou.toFixed(3) ?? '?'} recorded on the datasets' model cards)`,
        );
        await this.store(choice);
      })
      .catch((error: unknown) => this.log.warn(`choosing the active model: ${errorMessage(error)}`));
  }

  /** Resolves once the automatic choice started so far is made (the extension tests wait for it). */
  whenIdle(): Promise<void> {
    return this.choosing;
  }

  async list(): Promise<ModelEntry[]> {
    return this.listIn(modelsIn);
  }

  /** The promptable (Smart Select) models, by name. */
  async listPromptable(): Promise<PromptableEntry[]> {
    return (await this.listIn(promptableIn)).sort((a, b) => a.name.localeCompare(b.name) || a.uri.toString().localeCompare(b.uri.toString()));
  }

  /** Each dataset's models/ folder and the setting's folders, each URI once. */
  private async listIn<T extends { uri: vscode.Uri }>(
    read: (folder: vscode.Uri, dataset: DatasetState | undefined, log: vscode.LogOutputChannel) => Promise<T[]>,
  ): Promise<T[]> {
    const lists = await Promise.all([
      ...this.datasets.datasets.map((d) => read(vscode.Uri.joinPath(d.uri, MODELS_FOLDER), d, this.log)),
      ...settingFolders().map((f) => read(f, undefined, this.log)),
    ]);
    const seen = new Set<string>();
    return lists.flat().filter((m) => !seen.has(m.uri.toString()) && seen.add(m.uri.toString()));
  }

  /**
   * The Smart Select model: the one the person chose in this workspace while it exists, else the
   * first promptable model by name (`auto`). Independent of the pre-labeling model.
   */
  async activePromptable(): Promise<(PromptableEntry & { auto: boolean }) | undefined> {
    const all = await this.listPromptable();
    const stored = this.memento.get<{ uri: string }>(PROMPTABLE_KEY)?.uri;
    const chosen = all.find((m) => m.uri.toString() === stored);
    const active = chosen ? { ...chosen, auto: false } : all[0] && { ...all[0], auto: true };
    this.promptableShown = active && { name: active.name, path: active.uri.fsPath, auto: active.auto };
    this.update();
    return active;
  }

  /** Makes `model` the Smart Select model in this workspace; the pre-labeling model stays as it is. */
  async setActivePromptable(model: PromptableEntry): Promise<void> {
    await this.memento.update(PROMPTABLE_KEY, { uri: model.uri.toString(), name: model.name });
    await this.activePromptable();
    this.changed.fire();
  }

  private get stored(): StoredChoice | undefined {
    return this.memento.get<StoredChoice>(ACTIVE_KEY);
  }

  /** The val mIoU of the automatically chosen active model; undefined when the person chose it (or none is active). */
  get autoValMiou(): number | undefined {
    return this.stored?.auto?.valMiou;
  }

  get activeUri(): vscode.Uri | undefined {
    const stored = this.stored;
    return stored ? vscode.Uri.parse(stored.uri) : undefined;
  }

  /** The active model's name (its predictions/ folder), without checking that it still exists. */
  get activeName(): string | undefined {
    return this.stored?.name;
  }

  /** The active model if it still exists. */
  async active(): Promise<ModelEntry | undefined> {
    const uri = this.activeUri;
    return uri ? (await this.list()).find((m) => m.uri.toString() === uri.toString()) : undefined;
  }

  /** Makes `model` active, as the person's choice: it stays active in this workspace until another is chosen. */
  setActive(model: ModelEntry): Promise<void> {
    return this.store({ uri: model.uri.toString(), name: model.name });
  }

  private async store(choice: StoredChoice): Promise<void> {
    await this.memento.update(ACTIVE_KEY, choice);
    this.lastRun = undefined;
    this.update();
    this.changed.fire();
  }

  recordRun(run: LastRun): void {
    this.lastRun = run;
    this.update();
  }

  private update(): void {
    const name = this.stored?.name;
    const auto = this.stored?.auto;
    const lines: string[] = [];
    if (name) {
      lines.push(
        auto
          ? vscode.l10n.t(
              'Active SegLab model: {0}, chosen automatically: the best val mIoU ({1}) recorded on the model cards. Click to select another.',
              this.activeUri?.fsPath ?? name,
              auto.valMiou.toFixed(3),
            )
          : vscode.l10n.t('Active SegLab model: {0}. Click to select another.', this.activeUri?.fsPath ?? name),
      );
    }
    const smart = this.promptableShown;
    if (smart) {
      lines.push(
        smart.auto
          ? vscode.l10n.t('Smart Select model: {0}, chosen automatically: the first promptable model by name.', smart.path)
          : vscode.l10n.t('Smart Select model: {0}.', smart.path),
      );
    }
    if (lines.length > 0) this.status.tooltip = lines.join('\n');
    const detail = this.lastRun
      ? ` · ${this.lastRun.provider} ${this.lastRun.secondsPerImage.toFixed(2)} s/image`
      : auto
        ? ` · ${vscode.l10n.t('auto: best val mIoU {0}', auto.valMiou.toFixed(2))}`
        : '';
    const smartName = smart ? ` · $(sparkle) ${smart.name}` : '';
    this.status.text = `${name ? `$(hubot) ${name}${detail}` : `$(hubot) ${vscode.l10n.t('No model')}`}${smartName}`;
    if (this.datasets.datasets.length > 0 || name) this.status.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
    this.status.dispose();
  }
}
