import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The shell page of a SegLab webview: a strict CSP (only the nonce'd module bundle runs, styles
 * and fonts only from the extension), the codicon font and `dist/webview/<bundle>.js`, which
 * builds the whole UI. `extraSources` adds sources to a directive (e.g. `img-src: ['blob:']`).
 */
export function webviewPage(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { bundle: string; title: string; extraSources?: Record<string, string[]> },
): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.bundle}.js`));
  const codicons = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'codicons', 'codicon.css'));
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'img-src': [webview.cspSource, 'data:'],
    'style-src': [webview.cspSource],
    'font-src': [webview.cspSource],
    'script-src': [`'nonce-${nonce}'`],
  };
  for (const [name, sources] of Object.entries(page.extraSources ?? {})) directives[name] = [...(directives[name] ?? []), ...sources];
  const csp = Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link id="vscode-codicon-stylesheet" rel="stylesheet" href="${codicons}">
<title>${page.title}</title>
</head>
<body>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
