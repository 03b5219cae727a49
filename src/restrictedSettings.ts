/**
 * Settings that make SegLab load and run files or programs, or send data away: model folders
 * (ONNX files run by native ONNX Runtime), pre-labeling every image that opens, the Python that
 * runs the trainer and the backend that receives images. A workspace's own values of these are
 * ignored in Restricted Mode. package.json lists them under
 * `capabilities.untrustedWorkspaces.restrictedConfigurations`, which makes VS Code drop such
 * values itself; reading them through `restrictedValue` enforces the same in the extension, for
 * hosts that do not honour the declaration.
 */
import type * as vscode from 'vscode';

/** Keys under the `seglab.` section; the manifest's restrictedConfigurations names exactly these. */
export const RESTRICTED_KEYS = ['models', 'prelabel.onOpen', 'training.python', 'training.backendUrl'] as const;
export type RestrictedKey = (typeof RESTRICTED_KEYS)[number];

/**
 * The value of `key` in `configuration` (the `seglab` section): in a trusted workspace the usual
 * one; otherwise only the user's (global) value or the default, never the workspace's or a
 * workspace folder's.
 */
export function restrictedValue<T>(configuration: vscode.WorkspaceConfiguration, key: RestrictedKey, fallback: T, trusted: boolean): T {
  if (trusted) return configuration.get<T>(key, fallback);
  const inspected = configuration.inspect<T>(key);
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}
