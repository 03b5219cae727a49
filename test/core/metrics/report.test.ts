import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfusionMatrix } from '../../../src/core/metrics/confusion';
import { miouCsv, miouJson, miouMarkdown } from '../../../src/core/metrics/report';
import { computeScores } from '../../../src/core/metrics/scores';

const cm = new ConfusionMatrix(2);
cm.accumulate(new Uint8Array([0, 0, 1, 1, 255]), new Uint8Array([0, 1, 1, 1, 0]));
const classes = [
  { id: 0, name: 'bg, "dark"', color: [0, 0, 0] as [number, number, number] },
  { id: 1, name: 'fg|x', color: [1, 1, 1] as [number, number, number] },
];
const report = miouJson({
  scores: computeScores(cm, classes),
  images: [
    { name: 'a', miou: 0.5, pixelAccuracy: 0.75 },
    { name: 'b', miou: null, pixelAccuracy: null },
  ],
  missing: ['c'],
});

test('JSON has exactly the seglab miou --json keys', () => {
  assert.deepEqual(Object.keys(report), ['miou', 'pixelAccuracy', 'meanAccuracy', 'pixels', 'ignoredPixels', 'classes', 'images', 'missing']);
  assert.deepEqual(Object.keys(report.classes[0]), ['id', 'name', 'iou', 'accuracy', 'intersection', 'union', 'gtPixels', 'predPixels']);
  assert.equal(report.ignoredPixels, 1);
});

test('CSV: one row per class and a mean row, quoted where needed, unrounded', () => {
  assert.equal(
    miouCsv(report),
    [
      'id,class,iou,accuracy,intersection,union,gt_pixels,pred_pixels',
      '0,"bg, ""dark""",0.5,0.5,1,2,2,1',
      `1,fg|x,${2 / 3},1,2,3,2,3`,
      `,mean,${(0.5 + 2 / 3) / 2},0.75,,,4,`,
      '',
    ].join('\n'),
  );
});

test('Markdown: summary, class table with escaped pipes, worst images first', () => {
  const md = miouMarkdown(report, { dataset: 'ds', model: 'unet', split: 'val', date: '2026-01-01T00:00:00.000Z' });
  assert.match(md, /^# mIoU report: ds$/m);
  assert.match(md, /^\| mIoU \| 58\.33% \|$/m);
  assert.match(md, /^\| 1 \| fg\\\|x \| 66\.67% \| 100\.00% \| 2 \| 3 \|$/m);
  assert.match(md, /\| a \| 50\.00% \| 75\.00% \|\n\| b \| – \| – \|/);
});
