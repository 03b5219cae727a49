/**
 * Where the training backend is and how to reach it. The URL and the Python path are
 * machine-scoped settings (package.json), so a cloned workspace cannot send a user's images to
 * another server or run another program, and restricted ones besides (restrictedSettings.ts); the
 * token lives in SecretStorage.
 */
import * as vscode from 'vscode';
import { restrictedValue, type RestrictedKey } from '../restrictedSettings';
import { TrainingClient } from './client';

const TOKEN_KEY = 'seglab.training.token';
export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8765';

const setting = (key: RestrictedKey, fallback: string) =>
  restrictedValue(vscode.workspace.getConfiguration('seglab'), key, fallback, vscode.workspace.isTrusted) || fallback;

export function backendUrl(): string {
  return setting('training.backendUrl', DEFAULT_BACKEND_URL);
}

export function pythonPath(): string {
  return setting('training.python', 'python3');
}

/** `seglab.training.exportSigmoid`: Fine-tune Model… exports a two-class model as one sigmoid channel. */
export function exportSigmoid(): boolean {
  return vscode.workspace.getConfiguration('seglab.training').get<boolean>('exportSigmoid', false);
}

/** `seglab.training.alsoTrainClickModel`: Fine-tune Model… also trains the Smart Select click model (a second job). */
export function alsoTrainClickModel(): boolean {
  return vscode.workspace.getConfiguration('seglab.training').get<boolean>('alsoTrainClickModel', false);
}

export function getToken(secrets: vscode.SecretStorage): Thenable<string | undefined> {
  return secrets.get(TOKEN_KEY);
}

export function storeToken(secrets: vscode.SecretStorage, token: string): Thenable<void> {
  return secrets.store(TOKEN_KEY, token);
}

export async function clientFor(secrets: vscode.SecretStorage): Promise<TrainingClient> {
  return new TrainingClient(backendUrl(), await getToken(secrets));
}

/** "SegLab: Set Training Backend Token": the token printed by `seglab_trainer serve` (or its data dir's `token` file). */
export async function setTokenCommand(secrets: vscode.SecretStorage): Promise<void> {
  const token = await vscode.window.showInputBox({
    prompt: vscode.l10n.t('Bearer token of the training backend at {0} (printed by the service on first start, or in <data-dir>/token)', backendUrl()),
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (/^\S+$/.test(v.trim()) ? undefined : vscode.l10n.t('A token without spaces')),
  });
  if (token === undefined) return;
  await storeToken(secrets, token.trim());
  void vscode.window.showInformationMessage(vscode.l10n.t('SegLab: training backend token stored.'));
}

/** Training runs user-chosen programs and sends data away: only in trusted workspaces. */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: training needs a trusted workspace (Workspaces: Manage Workspace Trust).'));
  return false;
}
