import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundMinutes } from '../../../src/core/training/continuous';
import { cpuOnly, describeDevices, formatDuration, LONG_CPU_RUN_SECONDS, RunClock } from '../../../src/core/training/runTime';

test('formatDuration: m:ss below an hour, h:mm:ss from it', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(59.4), '0:59');
  assert.equal(formatDuration(130), '2:10');
  assert.equal(formatDuration(3599), '59:59');
  assert.equal(formatDuration(3600), '1:00:00');
  assert.equal(formatDuration(2 * 3600 + 5 * 60 + 7), '2:05:07');
  assert.equal(formatDuration(-3), '0:00');
});

test('describeDevices and cpuOnly: what the dialog says trains', () => {
  const cpu = [{ name: 'cpu', label: 'CPU' }];
  const gpu = [{ name: 'cuda:0', label: 'NVIDIA H100 80GB HBM3' }];
  assert.equal(describeDevices(cpu), 'the CPU (no GPU)');
  assert.equal(cpuOnly(cpu), true);
  assert.equal(describeDevices(gpu), 'NVIDIA H100 80GB HBM3 (cuda:0)');
  assert.equal(cpuOnly(gpu), false);
  assert.equal(describeDevices([...gpu, { name: 'cuda:1', label: 'X' }]), '2 devices: NVIDIA H100 80GB HBM3 (cuda:0), X (cuda:1)');
});

test('roundMinutes: the setting when set, else short on a CPU and longer with a GPU', () => {
  assert.equal(roundMinutes(0.5, true), 0.5);
  assert.equal(roundMinutes(null, true), 2);
  assert.equal(roundMinutes(undefined, false), 5);
  assert.equal(roundMinutes(0, true), 2, 'zero is no budget: the default');
});

test('RunClock: the pace between step lines times the steps left, capped by the time budget', () => {
  const clock = new RunClock();
  clock.event({ type: 'start', time: 1000, minutes: null });
  clock.event({ type: 'step', time: 1010, step: 1, totalSteps: 101 });
  assert.equal(clock.secondsLeft(), undefined, 'one step line: no pace yet (the first step includes the warm-up)');
  clock.event({ type: 'step', time: 1030, step: 11, totalSteps: 101 });
  assert.equal(clock.secondsPerStep(), 2);
  assert.equal(clock.secondsLeft(), 180);
  assert.equal(clock.projectedSeconds(), 210, '30 s so far and 180 s left');
  clock.event({ type: 'epoch', time: 1031 });
  clock.event({ type: 'step', time: 1070, step: 21, totalSteps: 101 });
  assert.equal(clock.secondsPerStep(), 3, 'validation between the lines slows the pace');

  const budget = new RunClock();
  budget.event({ type: 'start', time: 0, minutes: 2 });
  budget.event({ type: 'step', time: 10, step: 1, totalSteps: 100000 });
  budget.event({ type: 'step', time: 20, step: 11, totalSteps: 100000 });
  assert.equal(budget.secondsLeft(), 100, 'the budget ends it: 120 s less the 20 s used');
  budget.event({ type: 'step', time: 200, step: 21, totalSteps: 100000 });
  assert.equal(budget.secondsLeft(), 0);
});

test('RunClock: lines without a time or step fields are ignored', () => {
  const clock = new RunClock();
  clock.event({ type: 'step', step: 1, totalSteps: 10 });
  clock.event({ type: 'step', time: 5, step: 'x', totalSteps: 10 });
  assert.equal(clock.secondsPerStep(), undefined);
});

test('RunClock.longCpuRun: a CPU run without a time budget whose pace puts it over the limit', () => {
  const run = (start: { device: string; minutes: number | null }, secondsPerStep: number) => {
    const clock = new RunClock();
    clock.event({ type: 'start', time: 0, ...start });
    clock.event({ type: 'step', time: 5, step: 1, totalSteps: 1001 });
    assert.equal(clock.longCpuRun(), false, 'not before the pace is measured');
    clock.event({ type: 'step', time: 5 + 10 * secondsPerStep, step: 11, totalSteps: 1001 });
    return clock.longCpuRun();
  };
  const slow = (LONG_CPU_RUN_SECONDS / 1000) * 1.5;
  assert.equal(run({ device: 'cpu', minutes: null }, slow), true);
  assert.equal(run({ device: 'cpu', minutes: null }, slow / 3), false, 'fast enough');
  assert.equal(run({ device: 'cuda:0', minutes: null }, slow), false, 'a GPU run is as long as the user chose');
  assert.equal(run({ device: 'cpu', minutes: 60 }, slow), false, 'a time budget bounds it');
});
