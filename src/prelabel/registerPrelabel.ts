/** Registers the pre-labeling commands and the model status bar item. */
import * as vscode from 'vscode';
import { commandRegistrar } from '../commands/safeCommand';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import { addModel } from './addModel';
import { HostPredictor } from './hostPredictor';
import { ModelRegistry } from './modelRegistry';
import { UncertainQueue } from './nextUncertain';
import { acceptPrediction, prelabelDatasetCommand, selectModel } from './prelabelCommands';

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
    command('seglab.addModel', (target?: Parameters<typeof addModel>[3]) => addModel(registry, models, log, target)),
    command('seglab.selectModel', () => selectModel(models)),
    command('seglab.prelabelDataset', (target?: Parameters<typeof prelabelDatasetCommand>[3]) => prelabelDatasetCommand(registry, models, log, target)),
    command('seglab.nextUncertainImage', () => uncertain.next()),
    command('seglab.acceptPrediction', (target?: Parameters<typeof acceptPrediction>[1]) => acceptPrediction(registry, target)),
  );
  return { models, predictor };
}
