import * as vscode from 'vscode';

function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 32 }, () => chars[Math.floor(Math.random() * chars.length)]).join('');
}

/**
 * The editor page: a strict CSP (nonce'd module script, no inline styles), the codicon font and
 * the bundle; the bundle builds the whole UI, so this shell stays tiny.
 */
export function maskEditorHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'maskEditor.js'));
  const codicons = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'codicons', 'codicon.css'));
  const src = webview.cspSource;
  const csp = [
    "default-src 'none'",
    `img-src ${src} blob: data:`,
    `style-src ${src}`,
    `font-src ${src}`,
    `connect-src ${src}`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link id="vscode-codicon-stylesheet" rel="stylesheet" href="${codicons}">
<title>Mask Editor</title>
</head>
<body>
<script type="module" nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
