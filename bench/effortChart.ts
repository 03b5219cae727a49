/**
 * The effort curve as a PNG: the mIoU view's own line chart (webview/miouView/lineChart.ts),
 * bundled with esbuild and drawn in headless Chromium (scripts/tools/launch.ts's flags), then
 * screenshot. Light colours come in through the VS Code theme variables the chart reads.
 */
import * as esbuild from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/tools/launch';
import type { EffortRound } from '../scripts/demo/effort';

/** Runs in the page: draws window.effort (x: labeled images, y: % of pixels to correct) into #chart. */
const ENTRY = `
import { drawLineChart, niceTicks } from './webview/miouView/lineChart';
const { points, title, width, height } = window.effort;
const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
const xMax = Math.max(...xs) + 2, yMax = Math.max(10, Math.ceil(Math.max(...ys) / 5) * 5);
document.querySelector('#title').textContent = title;
drawLineChart(document.querySelector('#chart'), {
  width, height,
  x: { min: 0, max: xMax, ticks: xs, format: (v) => String(v) },
  y: { min: 0, max: yMax, ticks: niceTicks(0, yMax, 5), format: (v) => v + '%' },
  series: [
    { points: [{ x: 0, y: 5 }, { x: xMax, y: 5 }], color: '#999', width: 1, dot: 0 },
    { points, color: '#0b6bcb' },
  ],
});
window.drawn = true;
`;

const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #fff; --vscode-foreground: #333; --vscode-panel-border: #ddd; --vscode-font-family: sans-serif; font: 13px sans-serif; color: #333; }
#box { display: inline-block; padding: 10px 14px; }
#title { margin-bottom: 6px; }
.note { color: #777; font-size: 11px; margin-top: 4px; }
</style></head><body><div id="box"><div id="title"></div><canvas id="chart"></canvas><div class="note">labeled images (x) · grey line: the 5 % target</div></div></body></html>`;

export async function renderEffortChart(rounds: readonly EffortRound[], title: string, pngPath: string): Promise<void> {
  const bundle = await esbuild.build({
    stdin: { contents: ENTRY, resolveDir: join(__dirname, '..'), loader: 'js' },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 2 });
    await page.setContent(PAGE);
    const points = rounds.map((r) => ({ x: r.labeled, y: Number((r.pixelsToCorrect * 100).toFixed(2)) }));
    await page.evaluate((effort) => Object.assign(window, { effort }), { points, title, width: 520, height: 260 });
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    await page.waitForFunction(() => (window as unknown as { drawn?: boolean }).drawn === true);
    writeFileSync(pngPath, await page.locator('#box').screenshot());
  } finally {
    await browser.close();
  }
}
