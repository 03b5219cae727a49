import * as vscode from 'vscode';
import type { MaskEditorStrings } from '../core/protocol';

/**
 * The mask editor webview's strings for its Init message. Each placeholder is passed as its own
 * value, so it reaches the webview unformatted whatever the translation does with it.
 */
export function maskEditorStrings(): MaskEditorStrings {
  return {
    maskOf: vscode.l10n.t('Mask of {0}', '{0}'),
    cannotOpen: vscode.l10n.t('Cannot open the mask editor: {0}', '{0}'),
    editRefused: vscode.l10n.t('Edit refused: {0}', '{0}'),
    preLabeled: vscode.l10n.t('Pre-labeled with {0} in {1} ms: {2} pixels changed · C toggles the low-confidence hatching', '{0}', '{1}', '{2}'),
    tools: {
      brush: vscode.l10n.t('Brush (B)'),
      eraser: vscode.l10n.t('Eraser (E)'),
      ignore: vscode.l10n.t('Ignore brush (I)'),
      fill: vscode.l10n.t('Flood fill (G)'),
      wand: vscode.l10n.t('Magic wand (W)'),
      polygon: vscode.l10n.t('Polygon fill (P; Enter closes, Esc cancels)'),
    },
    edits: {
      brush: vscode.l10n.t('Brush stroke'),
      eraser: vscode.l10n.t('Erase'),
      ignore: vscode.l10n.t('Ignore brush stroke'),
      fill: vscode.l10n.t('Flood fill'),
      wand: vscode.l10n.t('Magic wand'),
      polygon: vscode.l10n.t('Polygon fill'),
      replaceClass: vscode.l10n.t('Replace class'),
      removeIslands: vscode.l10n.t('Remove islands'),
      grow: vscode.l10n.t('Grow class'),
      shrink: vscode.l10n.t('Shrink class'),
    },
    toolbar: {
      toolbar: vscode.l10n.t('Mask editor tools'),
      tools: vscode.l10n.t('Tools'),
      brushShape: vscode.l10n.t('Brush shape'),
      round: vscode.l10n.t('Round'),
      square: vscode.l10n.t('Square'),
      brush: vscode.l10n.t('Brush'),
      brushSize: vscode.l10n.t('Brush size ([ and ])'),
      opacity: vscode.l10n.t('Mask opacity'),
      opacityLabel: vscode.l10n.t('Opacity'),
      view: vscode.l10n.t('View'),
      showMask: vscode.l10n.t('Show mask (M)'),
      outline: vscode.l10n.t('Outline only (O)'),
      confidence: vscode.l10n.t('Hatch low-confidence pixels of the last pre-label (C)'),
      disagreement: vscode.l10n.t('Mark pixels where the prediction and the mask differ (D)'),
      disagreeCount: vscode.l10n.t('{0} pixels disagree with {1}', '{0}', '{1}'),
      uncertainBelowLabel: vscode.l10n.t('Uncertain below'),
      uncertainBelow: vscode.l10n.t('Hatch pixels less confident than (%)'),
      fit: vscode.l10n.t('Fit to window (F)'),
      actualSize: vscode.l10n.t('Actual size 1:1 (Shift+F)'),
      options: vscode.l10n.t('Options'),
      tolerance: vscode.l10n.t('Magic wand tolerance'),
      toleranceLabel: vscode.l10n.t('Tolerance'),
      fillRule: vscode.l10n.t('Polygon fill rule'),
      evenOdd: vscode.l10n.t('Even-odd'),
      nonzero: vscode.l10n.t('Nonzero'),
      protect: vscode.l10n.t('Protect: paint over'),
      paintOverAll: vscode.l10n.t('Paint over everything'),
      paintOverUnlabeled: vscode.l10n.t('Paint over unlabeled only'),
      paintOverClass: vscode.l10n.t('Paint over {0} only', '{0}'),
    },
    palette: {
      search: vscode.l10n.t('Search classes (/)'),
      searchLabel: vscode.l10n.t('Search classes'),
      classes: vscode.l10n.t('Classes'),
      palette: vscode.l10n.t('Class palette'),
    },
    cleanup: {
      title: vscode.l10n.t('Clean-up'),
      replaceClass: vscode.l10n.t('Replace class'),
      withClass: vscode.l10n.t('With class'),
      islandSize: vscode.l10n.t('Island size (pixels)'),
      removeIslands: vscode.l10n.t('Remove smaller islands'),
      grow: vscode.l10n.t('Grow current class by 1 px'),
      shrink: vscode.l10n.t('Shrink current class by 1 px'),
    },
    status: {
      zoom: vscode.l10n.t('zoom {0}', '{0}'),
      pixel: vscode.l10n.t('x {0}, y {1} · {2} ({3}) · {4}', '{0}', '{1}', '{2}', '{3}', '{4}'),
      ignore: vscode.l10n.t('ignore'),
      unknown: vscode.l10n.t('unknown'),
    },
  };
}
