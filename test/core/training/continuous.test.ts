import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blocksRound, compareModels, shouldStart, type LoopInputs } from '../../../src/core/training/continuous';

const ready: LoopInputs = { enabled: true, every: 10, saves: 10, roundRunning: false, userJobRunning: false, hasActiveModel: true };

test('shouldStart: a round starts after N saves, one at a time, never beside a job the person started', () => {
  assert.deepEqual(shouldStart(ready), { start: true });
  assert.deepEqual(shouldStart({ ...ready, saves: 25 }), { start: true });
  const waits: Array<[Partial<LoopInputs>, string]> = [
    [{ enabled: false }, 'continuous training is off'],
    [{ saves: 9 }, '9/10 masks saved'],
    [{ every: 3, saves: 0 }, '0/3 masks saved'],
    [{ roundRunning: true }, 'a round is running'],
    [{ userJobRunning: true }, 'a training job you started is running'],
    [{ hasActiveModel: false }, 'no active model to fine-tune'],
  ];
  for (const [change, reason] of waits) assert.deepEqual(shouldStart({ ...ready, ...change }), { start: false, reason });
});

test('blocksRound: queued or running jobs that the loop did not start', () => {
  const ours = new Set(['a']);
  assert.equal(blocksRound({ id: 'b', state: 'running' }, ours), true);
  assert.equal(blocksRound({ id: 'b', state: 'queued' }, ours), true);
  assert.equal(blocksRound({ id: 'a', state: 'running' }, ours), false);
  for (const state of ['succeeded', 'failed', 'cancelled']) assert.equal(blocksRound({ id: 'b', state }, ours), false, state);
});

test('compareModels: activate only a strictly better val mIoU, and say why not', () => {
  const better = compareModels({ name: 'old', miou: 0.6 }, { name: 'new', miou: 0.65 });
  assert.equal(better.activate, true);
  assert.ok(Math.abs((better.delta ?? 0) - 0.05) < 1e-12);
  assert.equal(better.reason, 'new: val mIoU 0.650, +0.050 over old');
  const worse = compareModels({ name: 'old', miou: 0.6 }, { name: 'new', miou: 0.55 });
  assert.equal(worse.activate, false);
  assert.equal(worse.reason, "new: val mIoU 0.550 is not above old's 0.600 (-0.050)");
  assert.equal(compareModels({ name: 'old', miou: 0.6 }, { name: 'new', miou: 0.6 }).activate, false, 'a tie keeps the active model');
  assert.equal(compareModels({ name: 'old', miou: 0.6 }, { name: 'new', miou: null }).activate, false);
  assert.equal(compareModels({ name: 'old', miou: null }, { name: 'new', miou: 0.1 }).activate, true);
});
