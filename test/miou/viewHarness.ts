/**
 * Runs the built mIoU view webview in headless Chromium outside VS Code: a local http server
 * serves the bundle and a page with the production CSP whose nonce'd script stands in for
 * `acquireVsCodeApi` (recording posts and setState); CSP violations are recorded.
 */
import * as esbuild from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../browser/harness';
import { ENGLISH_MIOU_STRINGS } from './englishStrings';

export async function buildViewBundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: ['webview/miouView/main.ts'],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    loader: { '.css': 'text' },
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

const NONCE = 'miounonce0123456789';
/** A few of the variables VS Code's Dark Modern theme sets on a webview's html element. */
const THEME = `html {
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-foreground: #cccccc;
  --vscode-sideBar-background: #181818; --vscode-editor-background: #1f1f1f; --vscode-panel-border: #2b2b2b;
  --vscode-textLink-foreground: #4daafc; --vscode-textLink-activeForeground: #4daafc; --vscode-focusBorder: #0078d4;
  --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; --vscode-charts-red: #f14c4c;
  --vscode-charts-purple: #b180d7; --vscode-charts-yellow: #cca700; --vscode-input-background: #313131;
  --vscode-list-hoverBackground: #2a2d2e; --vscode-textBlockQuote-background: #2b2b2b; --vscode-progressBar-background: #0078d4;
  --vscode-errorForeground: #f85149;
}`;

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'nonce-${NONCE}'">
<link rel="stylesheet" href="/theme.css">
<title>mIoU view test</title>
<script nonce="${NONCE}">
  window.posted = [];
  window.violations = [];
  window.savedState = undefined;
  document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.posted.push(m), getState: () => window.savedState, setState: (s) => { window.savedState = s; } });
</script>
</head><body><script type="module" nonce="${NONCE}" src="/miouView.js"></script></body></html>`;

export interface ViewHarness {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

export async function openViewHarness(bundle: string, viewport = { width: 360, height: 1100 }): Promise<ViewHarness> {
  const files: Record<string, [string, string]> = { '/': ['text/html', PAGE], '/miouView.js': ['text/javascript', bundle], '/theme.css': ['text/css', THEME] };
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  const page = await browser.newPage({ viewport });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { posted: Array<{ type: string }> }).posted.some((m) => m.type === 'ready'));
  // What the host answers to Ready first.
  await page.evaluate((strings) => window.postMessage({ type: 'strings', version: 1, strings }, '*'), ENGLISH_MIOU_STRINGS);
  return {
    browser,
    page,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
