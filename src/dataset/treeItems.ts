import * as vscode from 'vscode';
import type { ImageEntry, ImageStatus, Layout } from '../core/dataset/types';
import type { Problem } from '../core/errors';
import { baseName } from '../core/paths';
import { OPEN_IMAGE_COMMAND } from '../commands/openImage';
import { countStatuses, formatCounts } from './statusCounts';
import type { DatasetNode, ImageNode, PageNode, ProblemNode, ProblemsNode, TreeNode } from './treeNodes';

/** Renders tree nodes. Ids are stable across refreshes (dataset URI + image path) so expansion and selection survive. */
export function treeItem(node: TreeNode, datasetCount: number): vscode.TreeItem {
  switch (node.kind) {
    case 'dataset':
      return datasetItem(node, datasetCount);
    case 'page':
      return pageItem(node);
    case 'image':
      return imageItem(node);
    case 'problems':
      return problemsItem(node);
    case 'problem':
      return problemItem(node);
  }
}

function datasetItem({ dataset }: DatasetNode, datasetCount: number): vscode.TreeItem {
  const collapsed = datasetCount === 1 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  // Collapsible while still loading too: VS Code keeps the first state it sees for an id.
  const item = new vscode.TreeItem(dataset.name, dataset.error ? vscode.TreeItemCollapsibleState.None : collapsed);
  item.id = `${dataset.key}`;
  item.contextValue = 'seglab.dataset';
  const where = dataset.uri.scheme === 'file' ? dataset.uri.fsPath : dataset.uri.toString();
  if (dataset.error) {
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    item.description = dataset.error.message;
    item.tooltip = new vscode.MarkdownString().appendText(`${where}\n\n${dataset.error.message}`);
    if (dataset.error.file) {
      item.command = { command: 'vscode.open', title: vscode.l10n.t('Open File'), arguments: [dataset.error.file] };
    }
    return item;
  }
  item.iconPath = new vscode.ThemeIcon(dataset.loading ? 'loading~spin' : 'database');
  const index = dataset.index;
  if (!index) {
    item.description = vscode.l10n.t('reading…');
    item.tooltip = where;
    return item;
  }
  const counts = formatCounts(countStatuses(index.images));
  item.description = `${counts} (${layoutLabel(index.layout)})`;
  item.tooltip = new vscode.MarkdownString()
    .appendMarkdown(`**${escape(index.config.name)}**\n\n`)
    .appendText(`${where}\n\n`)
    .appendText(vscode.l10n.t('Layout: {0} · {1} classes', layoutLabel(index.layout), index.config.classes.length) + '\n\n')
    .appendText(counts + (dataset.validating ? '\n\n' + vscode.l10n.t('Checking masks…') : ''));
  return item;
}

const LAYOUT_LABELS: Record<Layout, string> = { voc: 'Pascal VOC', cvat: 'CVAT', plain: 'images + masks', seglab: 'seglab.json' };

export function layoutLabel(layout: Layout): string {
  return LAYOUT_LABELS[layout];
}

function pageItem(node: PageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(`${node.start + 1}–${node.end}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `${node.dataset.key}#page:${node.start}`;
  item.contextValue = 'seglab.page';
  item.iconPath = new vscode.ThemeIcon('files');
  return item;
}

const STATUS_ICONS: Record<ImageStatus, vscode.ThemeIcon> = {
  labeled: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  unlabeled: new vscode.ThemeIcon('circle-large-outline'),
  predicted: new vscode.ThemeIcon('sparkle', new vscode.ThemeColor('charts.blue')),
  invalid: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
};

export function statusLabel(status: ImageStatus): string {
  switch (status) {
    case 'labeled':
      return vscode.l10n.t('labeled');
    case 'unlabeled':
      return vscode.l10n.t('unlabeled');
    case 'predicted':
      return vscode.l10n.t('predicted');
    case 'invalid':
      return vscode.l10n.t('invalid');
  }
}

function imageItem(node: ImageNode): vscode.TreeItem {
  const { entry, dataset } = node;
  const item = new vscode.TreeItem(baseName(entry.image), vscode.TreeItemCollapsibleState.None);
  item.id = `${dataset.key}#image:${entry.image}`;
  item.contextValue = 'seglab.image';
  item.iconPath = STATUS_ICONS[entry.status];
  // Which models predicted it, so a labeler sees what pre-labeling has covered.
  item.description = [statusLabel(entry.status), ...entry.predictions].join(' · ');
  item.tooltip = imageTooltip(entry);
  item.command = { command: OPEN_IMAGE_COMMAND, title: vscode.l10n.t('Open Image'), arguments: [node] };
  return item;
}

function imageTooltip(entry: ImageEntry): vscode.MarkdownString {
  const lines = [
    vscode.l10n.t('Image: {0}', entry.image),
    vscode.l10n.t('Mask: {0}', entry.mask ?? '—'),
    vscode.l10n.t('Status: {0}', statusLabel(entry.status)),
  ];
  if (entry.predictions.length > 0) lines.push(vscode.l10n.t('Predictions: {0}', entry.predictions.join(', ')));
  if (entry.splits.length > 0) lines.push(vscode.l10n.t('Splits: {0}', entry.splits.join(', ')));
  return new vscode.MarkdownString().appendMarkdown(`**${escape(entry.stem)}**\n\n`).appendText(lines.join('\n\n'));
}

function problemsItem({ dataset }: ProblemsNode): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('Problems'), vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `${dataset.key}#problems`;
  item.contextValue = 'seglab.problems';
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.description = String(dataset.index?.problems.length ?? 0);
  return item;
}

export function problemKindLabel(kind: Problem['kind']): string {
  switch (kind) {
    case 'orphan-mask':
      return vscode.l10n.t('orphan mask');
    case 'duplicate-stem':
      return vscode.l10n.t('duplicate stem');
    case 'unreadable-mask':
      return vscode.l10n.t('unreadable mask');
    case 'size-mismatch':
      return vscode.l10n.t('size mismatch');
    case 'unknown-values':
      return vscode.l10n.t('unknown mask values');
    case 'unreadable-image':
      return vscode.l10n.t('unreadable image');
    case 'bad-config':
      return vscode.l10n.t('bad config');
    case 'bad-split':
      return vscode.l10n.t('bad split');
    case 'outside-link':
      return vscode.l10n.t('link outside the dataset');
    case 'bad-name':
      return vscode.l10n.t('control characters in name');
  }
}

function problemItem(node: ProblemNode): vscode.TreeItem {
  const { problem, dataset } = node;
  const item = new vscode.TreeItem(baseName(problem.path) || problem.path, vscode.TreeItemCollapsibleState.None);
  item.id = `${dataset.key}#problem:${node.position}:${problem.kind}:${problem.path}`;
  item.contextValue = 'seglab.problem';
  item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  item.description = problemKindLabel(problem.kind);
  item.tooltip = problem.message;
  item.command = { command: 'vscode.open', title: vscode.l10n.t('Open File'), arguments: [dataset.resolve(problem.path)] };
  return item;
}

/** Markdown-escapes user text (names come from files). */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
