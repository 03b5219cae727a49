/** Registers the pre-labeling commands and the model status bar item. */
import * as vscode from 'vscode';
import { commandRegistrar } from '../commands/safeCommand';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import { addModel, type AddModelOptions } from './addModel';
import { HostPredictor } from './hostPredictor';
import { ModelRegistry } from './modelRegistry';
import { UncertainQueue } from './nextUncertain';
import { acceptPrediction, prelabelDatasetCommand, selectModel, type PrelabelDatasetArgs } from './prelabelCommands';

/** What the mask editor needs for "Pre-label Image": the active model and the host's CPU path. */
export interface PrelabelApi {
  models: ModelRegistry;
  predictor: HostPredictor;
}

export function registerPrelabel(context: vscode.ExtensionContext, registry: DatasetRegistry, log: vscode.LogOutputChannel): PrelabelApi {
  const models = new ModelRegistry(registry, context.workspaceState, log);
  const predictor = new HostPredictor(models, log);
  const uncertain = new UncertainQueue(registry, models);
  const command = commandRegistrar(log);
  context.subscriptions.push(
    models,
    predictor,
    command('seglab.addModel', (target?: Parameters<typeof addModel>[3], options?: AddModelOptions) => addModel(registry, models, log, target, options)),
    command('seglab.selectModel', () => selectModel(models)),
    command('seglab.prelabelDataset', (target?: Parameters<typeof prelabelDatasetCommand>[4], args?: PrelabelDatasetArgs) =>
      prelabelDatasetCommand(registry, models, log, context.secrets, target, args),
    ),
    command('seglab.nextUncertainImage', () => uncertain.next()),
    command('seglab.acceptPrediction', (target?: Parameters<typeof acceptPrediction>[1]) => acceptPrediction(registry, target)),
  );
  return { models, predictor };
}
