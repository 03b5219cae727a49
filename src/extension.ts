import * as vscode from 'vscode';
import { commandRegistrar, onDidReportFailure } from './commands/safeCommand';
import { createConfig } from './commands/createConfig';
import { exportLabels, importLabels, type ExportLabelsOptions, type ImportLabelsOptions } from './commands/convertLabels';
import { OPEN_IMAGE_COMMAND, openImage, type OpenImageOptions } from './commands/openImage';
import { openDataset } from './commands/openDataset';
import { refresh } from './commands/refresh';
import { removeDataset } from './commands/removeDataset';
import { validateInBackground } from './dataset/backgroundValidation';
import { DatasetRegistry } from './dataset/datasetRegistry';
import type { DatasetState } from './dataset/datasetState';
import { createDatasetView, type DatasetTreeProvider } from './dataset/datasetTree';
import { watchWorkspaceForDatasets } from './dataset/datasetWatcher';
import type { ModelRegistry } from './prelabel/modelRegistry';
import { registerPrelabel } from './prelabel/registerPrelabel';
import { PRELABEL_IMAGE_COMMAND, prelabelImage } from './prelabel/prelabelImage';
import { prelabelOnOpen } from './prelabel/prelabelOnOpen';
import { registerMaskEditor } from './editor/registerMaskEditor';
import { navigate, NAVIGATION_COMMANDS } from './editor/navigateImages';
import { showImagePosition } from './editor/imagePosition';
import type { Step } from './core/dataset/navigate';
import { SHOW_DISAGREEMENT_COMMAND, showDisagreement } from './editor/showDisagreement';
import { registerMiouView } from './miou/registerMiouView';
import { registerTraining } from './training/registerTraining';
import { TrainingRuns } from './training/trainingRuns';
import type { ContinuousTraining } from './training/continuousTraining';
import { useNodeZlib } from './node/zlibCodec';
import { HostEmbeddings } from './smartSelect/hostEmbeddings';
import { prepareSmartSelect, type PrepareOptions } from './smartSelect/prepareSmartSelect';
import { answerSmartSelect } from './smartSelect/answerSmartSelect';

/** What `activate` returns: used by the extension tests (test/vscode) to read the tree. */
export interface SegLabApi {
  readonly datasets: readonly DatasetState[];
  readonly tree: DatasetTreeProvider;
  /** The models and the active one. */
  readonly models: ModelRegistry;
  /** "Train as you label". */
  readonly continuous?: ContinuousTraining;
  /** Fires with the text of each error notification a failed SegLab command shows. */
  readonly onDidReportFailure: vscode.Event<string>;
  /** Resolves once every load, discovery and validation started so far has finished, and the automatic model choice they led to. */
  whenIdle(): Promise<void>;
}

export function activate(context: vscode.ExtensionContext): SegLabApi {
  useNodeZlib(); // masks in the editor, validation, conversion and training uploads
  const log = vscode.window.createOutputChannel('SegLab', { log: true });
  const registry = new DatasetRegistry(context.workspaceState, log, (dataset, index, request) => validateInBackground(dataset, index, request, log));
  const view = createDatasetView(registry);
  context.subscriptions.push(log, registry, view.disposable);
  const trainingRuns = new TrainingRuns();
  registerMiouView(context, registry, log, trainingRuns);
  const editors = registerMaskEditor(context, log);

  const command = commandRegistrar(log);
  context.subscriptions.push(
    command('seglab.openDataset', (folder?: vscode.Uri) => openDataset(registry, folder)),
    command('seglab.createConfig', (target?: Parameters<typeof createConfig>[2]) => createConfig(registry, log, target)),
    command('seglab.importLabels', (target?: Parameters<typeof importLabels>[2], options?: ImportLabelsOptions) =>
      importLabels(registry, log, target, options),
    ),
    command('seglab.exportLabels', (target?: Parameters<typeof exportLabels>[2], options?: ExportLabelsOptions) =>
      exportLabels(registry, log, target, options),
    ),
    command('seglab.removeDataset', (target?: Parameters<typeof removeDataset>[1]) => removeDataset(registry, target)),
    command('seglab.refresh', (target?: Parameters<typeof refresh>[1]) => refresh(registry, target)),
    command(OPEN_IMAGE_COMMAND, (target?: Parameters<typeof openImage>[1], options?: OpenImageOptions) => openImage(editors, target, options)),
    ...Object.entries(NAVIGATION_COMMANDS).map(([step, id]) => command(id, () => navigate(editors, registry, step as Step))),
    showImagePosition(editors, registry, view.view),
    watchWorkspaceForDatasets(() => void registry.discover()),
  );

  const prelabel = registerPrelabel(context, registry, log);
  context.subscriptions.push(
    command(PRELABEL_IMAGE_COMMAND, () => prelabelImage(editors, registry, prelabel.models, prelabel.predictor)),
    command(SHOW_DISAGREEMENT_COMMAND, () => showDisagreement(editors, prelabel.models.activeName)),
    prelabelOnOpen(editors, registry, prelabel.models, prelabel.predictor),
  );
  const smartSelectEmbeddings = new HostEmbeddings(context.globalStorageUri, log);
  context.subscriptions.push(
    smartSelectEmbeddings,
    answerSmartSelect(editors, prelabel.models, smartSelectEmbeddings, log),
    command('seglab.prepareSmartSelect', (target?: Parameters<typeof prepareSmartSelect>[5], options?: PrepareOptions) =>
      prepareSmartSelect(registry, prelabel.models, smartSelectEmbeddings, log, context.secrets, target, options),
    ),
  );
  const continuous = registerTraining(context, registry, log, trainingRuns, prelabel.models, editors.onDidSaveMask);
  void registry.discover();
  return {
    get datasets() {
      return registry.datasets;
    },
    tree: view.provider,
    models: prelabel.models,
    continuous,
    onDidReportFailure,
    whenIdle: async () => {
      await registry.whenIdle();
      await prelabel.models.whenIdle();
    },
  };
}

export function deactivate(): void {}
