import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MiouMessageType, type TrainingMessage } from '../../src/core/miouProtocol';
import { findCard, TrainingPanel } from '../../src/miou/trainingPanel';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import type { JobRecord } from '../../src/training/client';
import { TrainingRuns } from '../../src/training/trainingRuns';
import { tempDir, writeFile } from '../core/dataset/fixtures';

const fs = new NodeFileSystem();
const demoCard = JSON.parse(readFileSync('scripts/demo/models/demo-unet.json', 'utf8')) as Record<string, unknown>;
const JOB = 'b'.repeat(32);
const job = (state: JobRecord['state']): JobRecord => ({ id: JOB, state, createdAt: '', dataset: 'd', params: { arch: 'unet', epochs: 2 } });

/** A dataset root whose models/ holds the demo card, the same card renamed (file name differs), one without metrics and a broken one. */
function datasetRoot(t: { after(fn: () => void): void }): string {
  const root = tempDir(t);
  writeFile(join(root, 'models', 'demo-unet.json'), JSON.stringify(demoCard));
  writeFile(
    join(root, 'models', 'renamed-file.json'),
    JSON.stringify({ ...demoCard, name: 'tuned', training: { ...(demoCard.training as object), job: JOB } }),
  );
  writeFile(join(root, 'models', 'plain.json'), JSON.stringify({ ...demoCard, name: 'plain', metrics: undefined }));
  writeFile(join(root, 'models', 'broken.json'), '{');
  return root;
}

test('findCard: models/<name>.json, else the card whose name matches; undefined when none', async (t) => {
  const root = datasetRoot(t);
  assert.equal((await findCard(fs, root, 'demo-unet'))?.name, 'demo-unet');
  assert.equal((await findCard(fs, root, 'tuned'))?.name, 'tuned');
  assert.equal(await findCard(fs, root, 'missing'), undefined);
  assert.equal(await findCard(fs, tempDir(t), 'demo-unet'), undefined, 'no models/ folder');
});

test("the panel posts the followed job first and the selected model's card; notes for models without curves", async (t) => {
  const root = datasetRoot(t);
  const runs = new TrainingRuns();
  const posted: TrainingMessage[] = [];
  const panel = new TrainingPanel(
    runs,
    (m) => posted.push(m),
    (w) => assert.fail(w),
  );
  t.after(() => panel.dispose());

  await panel.select({ fs, root, model: 'demo-unet' });
  assert.equal(posted.at(-1)?.type, MiouMessageType.Training);
  assert.deepEqual(
    posted.at(-1)?.runs.map((r) => [r.source, r.title, r.bestEpoch]),
    [['card', 'demo-unet', 18]],
  );
  const count = posted.length;
  await panel.select({ fs, root, model: 'demo-unet' });
  assert.equal(posted.length, count, 'the same selection does not read the card again');

  runs.start(job('queued'));
  runs.event(JOB, { type: 'start', epochs: 2, stepsPerEpoch: 2 });
  runs.event(JOB, { type: 'epoch', epoch: 1, loss: 0.9, val: { miou: 0.4 } });
  runs.event('other', { type: 'epoch', epoch: 2, loss: 0.1, val: { miou: 0.9 } });
  // Events in a burst: one post a little later.
  await new Promise((r) => setTimeout(r, 400));
  const live = posted.at(-1) as TrainingMessage;
  assert.deepEqual(
    live.runs.map((r) => [r.source, r.state]),
    [
      ['job', 'running'],
      ['card', 'succeeded'],
    ],
  );
  assert.deepEqual(live.runs[0].valMiou, [{ x: 1, y: 0.4 }]);

  // The job's own model selected after it succeeded: shown once, as the job.
  runs.end({
    ...job('succeeded'),
    history: [
      { epoch: 1, loss: 0.9, miou: 0.4 },
      { epoch: 2, loss: 0.5, miou: 0.6 },
    ],
  });
  await panel.select({ fs, root, model: 'tuned' });
  assert.deepEqual(
    posted.at(-1)?.runs.map((r) => [r.source, r.state, r.valMiou.length]),
    [['job', 'succeeded', 2]],
  );

  await panel.select({ fs, root, model: 'plain' });
  assert.match(posted.at(-1)?.note ?? '', /^The card of plain has no training metrics/);
  await panel.select({ fs, root, model: 'missing' });
  assert.equal(posted.at(-1)?.note, 'missing has no model card in models/, so no training curves.');
  await panel.select(undefined);
  assert.equal(posted.at(-1)?.note, undefined);
  assert.equal(posted.at(-1)?.runs.length, 1);
});

test("a click model's job is not recorded: the view's curves are mIoU", () => {
  const runs = new TrainingRuns();
  runs.start(job('running'));
  runs.start({ ...job('running'), id: 'c'.repeat(32), params: { arch: 'unet', task: 'interactive' } });
  runs.event('c'.repeat(32), { type: 'epoch', epoch: 1, loss: 0.5, val: { miou: 0.7 } });
  assert.equal(runs.current?.jobId, JOB);
});
