/**
 * Wires the "Dataset mIoU" view: the webview provider, the session that computes, the worker
 * pool, watchers on each dataset's masks and predictions (a saved mask updates the view within
 * a second), and the commands Compute mIoU, Show Worst Images and Export mIoU Report.
 */
import * as vscode from 'vscode';
import { commandRegistrar } from '../commands/safeCommand';
import { miouJson } from '../core/metrics/report';
import { unhandled } from '../core/messages';
import { MiouMessageType } from '../core/miouProtocol';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetIndex } from '../core/dataset/types';
import { exportReport } from './exportReport';
import { MiouSession, type Shown } from './miouSession';
import { MIOU_VIEW_TYPE, MiouViewProvider } from './miouViewProvider';
import { TrainingPanel } from './trainingPanel';
import type { TrainingRuns } from '../training/trainingRuns';
import { WorkerPool } from './workerPool';

/** Short: a mask save is one event; prediction runs come in bursts that this joins. */
const DEBOUNCE_MS = 75;
const WORST_PICKED = 100;

export function registerMiouView(context: vscode.ExtensionContext, registry: DatasetRegistry, log: vscode.LogOutputChannel, trainingRuns: TrainingRuns): void {
  const pool = new WorkerPool(vscode.Uri.joinPath(context.extensionUri, 'dist', 'miouWorker.js').fsPath, 2);
  const provider = new MiouViewProvider(context.extensionUri, log);
  const training = new TrainingPanel(
    trainingRuns,
    (m) => provider.post(m),
    (m) => log.warn(m),
  );
  // The Training section follows the model the view shows (its card's curves).
  const session = new MiouSession(registry, pool, log, (m) => {
    provider.post(m);
    if (m.type !== MiouMessageType.Results && m.type !== MiouMessageType.Empty) return;
    const dataset = registry.datasets.find((d) => d.key === m.selection?.dataset);
    const root = dataset?.index?.root;
    void training.select(dataset && root !== undefined && m.selection?.model ? { fs: dataset.fs, root, model: m.selection.model } : undefined);
  });
  let stale = true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const refresh = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      stale = !provider.visible;
      if (!stale) void session.update('incremental');
    }, DEBOUNCE_MS);
  };

  const open = async (shown: Shown | undefined, name: string, showDisagreement: boolean) => {
    const entry = shown?.index.images.find((e) => e.stem === name);
    if (!shown || !entry) throw new Error(`image "${name}" is no longer in the dataset`);
    // The mask editor reads the second argument: show where this model's prediction and the label differ.
    await vscode.commands.executeCommand('seglab.openImage', shown.dataset.resolve(entry.image), { showDisagreement, model: shown.message.selection.model });
  };

  provider.handler = {
    onReady: () => void session.update('incremental'),
    onMessage: async (m) => {
      switch (m.type) {
        case MiouMessageType.Compute:
          return session.update('full');
        case MiouMessageType.Cancel:
          return session.cancel();
        case MiouMessageType.Select:
          return session.select(m.selection);
        case MiouMessageType.OpenImage:
          return open(session.shown, m.name, m.showDisagreement);
        case MiouMessageType.Export:
          return exportReport(session.shown, m.format);
        default:
          return unhandled(m);
      }
    },
  };

  // Watchers on masks/ and predictions/ of each dataset, re-created when its folders change.
  const watchers = new Map<string, { glob: string; watcher: vscode.Disposable }>();
  const seen = new Map<string, DatasetIndex | undefined>();
  const sync = () => {
    let changed = false;
    for (const dataset of registry.datasets) {
      if (seen.get(dataset.key) !== dataset.index) changed = true;
      seen.set(dataset.key, dataset.index);
      const config = dataset.index?.config;
      const glob = config ? `{${config.masksDir},${config.predictionsDir}}/**/*.png` : '';
      if (watchers.get(dataset.key)?.glob === glob) continue;
      watchers.get(dataset.key)?.watcher.dispose();
      if (!glob) continue;
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dataset.uri, glob));
      const onFile = (uri: vscode.Uri) => {
        const stem = MiouSession.stemOf(dataset, uri);
        if (stem === undefined) return;
        session.markDirty(dataset, stem);
        refresh();
      };
      watchers.set(dataset.key, { glob, watcher: vscode.Disposable.from(w, w.onDidChange(onFile), w.onDidCreate(onFile), w.onDidDelete(onFile)) });
    }
    const keys = new Set(registry.datasets.map((d) => d.key));
    for (const [key, { watcher }] of watchers) {
      if (keys.has(key)) continue;
      watcher.dispose();
      watchers.delete(key);
      seen.delete(key);
      changed = true;
    }
    if (changed) refresh();
  };

  const command = commandRegistrar(log);

  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(MIOU_VIEW_TYPE, provider),
    registry.onDidChange(sync),
    provider.onDidBecomeVisible(() => stale && refresh()),
    command('seglab.computeMiou', async () => {
      await vscode.commands.executeCommand(`${MIOU_VIEW_TYPE}.focus`);
      await session.update('full');
      // What the view now shows (extension tests compare it with `seglab miou --json`).
      return session.shown && { selection: session.shown.message.selection, summary: session.shown.message.summary, json: miouJson(session.shown.evaluation) };
    }),
    command('seglab.showWorstImages', async () => {
      const shown = session.shown;
      if (!shown) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Compute the mIoU first (SegLab: Compute mIoU).'));
        return;
      }
      const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
      const items = shown.message.images
        .slice(0, WORST_PICKED)
        .map((i) => ({ label: i.name, description: `mIoU ${pct(i.miou)}`, detail: `pixel accuracy ${pct(i.pixelAccuracy)}` }));
      const picked = await vscode.window.showQuickPick(items, {
        title: vscode.l10n.t('Worst images of {0} ({1})', shown.message.selection.model, shown.message.selection.split),
        matchOnDescription: true,
      });
      if (picked) await open(shown, picked.label, true);
    }),
    command('seglab.exportMiouReport', () => exportReport(session.shown)),
    session,
    training,
    {
      dispose: () => {
        pool.dispose();
        if (timer) clearTimeout(timer);
        for (const w of watchers.values()) w.watcher.dispose();
      },
    },
  );
  sync();
}
