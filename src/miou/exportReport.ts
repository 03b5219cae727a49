/** "SegLab: Export mIoU Report": the shown results as Markdown, CSV or JSON (the `seglab miou --json` shape). */
import * as vscode from 'vscode';
import type { ReportFormat } from '../core/miouProtocol';
import { reportText } from './miouResults';
import type { Shown } from './miouSession';

const FORMATS: Record<ReportFormat, { label: string; ext: string }> = {
  markdown: { label: 'Markdown', ext: 'md' },
  csv: { label: 'CSV (per class)', ext: 'csv' },
  json: { label: 'JSON (as seglab miou --json)', ext: 'json' },
};

export async function exportReport(shown: Shown | undefined, format?: ReportFormat): Promise<void> {
  if (!shown) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Compute the mIoU first (SegLab: Compute mIoU), then export it.'));
    return;
  }
  const chosen =
    format ??
    (
      await vscode.window.showQuickPick(
        (Object.keys(FORMATS) as ReportFormat[]).map((f) => ({ label: FORMATS[f].label, format: f })),
        { title: vscode.l10n.t('Export mIoU Report') },
      )
    )?.format;
  if (!chosen) return;
  const { model, split } = shown.message.selection;
  const name = `miou-${model}-${split}.${FORMATS[chosen].ext}`;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(shown.dataset.uri, name),
    filters: { [FORMATS[chosen].label]: [FORMATS[chosen].ext] },
  });
  if (!target) return;
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(reportText(shown, chosen)));
  void vscode.window.showInformationMessage(vscode.l10n.t('mIoU report written to {0}', vscode.workspace.asRelativePath(target)));
}
