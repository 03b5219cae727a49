// The CLI over data an attacker or a careless user prepared: links out of the dataset, names with
// control characters, destinations in /proc, and `convert` and `info` agreeing on what a problem is.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { indexedMask, makeCvat, makeVoc, maskValues, tempDir, writeFile } from '../core/dataset/fixtures';
import { seglab } from './run';

describe('seglab on untrusted data', { concurrency: true }, () => {
  test('a link to a file outside the dataset is reported by info, and convert does not copy it', async (t) => {
    const dir = tempDir(t);
    const root = join(dir, 'voc');
    makeVoc(root, [{ stem: 'a' }]);
    writeFile(join(dir, 'passwd'), 'root:x:0:0');
    symlinkSync(join(dir, 'passwd'), join(root, 'JPEGImages', 'passwd.jpg'));
    const info = await seglab('info', root, '--json');
    assert.equal(info.code, 1);
    assert.equal(JSON.parse(info.stdout).images, 1);
    assert.match(
      info.stderr,
      new RegExp(`^${join(root, 'JPEGImages', 'passwd.jpg')}: outside-link: a symbolic link to .*passwd, outside the dataset; not followed$`, 'm'),
    );
    const convert = await seglab('convert', root, join(dir, 'out'), '--to', 'plain');
    assert.equal(convert.code, 1);
    assert.deepEqual(readdirSync(join(dir, 'out', 'images')), ['a.jpg']);
  });

  test('names with tabs and newlines are reported quoted on one line each and stay out of cvat split files', async (t) => {
    const dir = tempDir(t);
    const root = join(dir, 'cvat');
    makeCvat(root, ['a', 'b\tc', 'd\ne']);
    const info = await seglab('info', root);
    assert.equal(info.code, 1);
    const lines = info.stderr.trimEnd().split('\n');
    for (const name of ['JPEGImages/b\\tc.jpg', 'JPEGImages/d\\ne.jpg', 'SegmentationClass/b\\tc.png', 'SegmentationClass/d\\ne.png']) {
      assert.ok(
        lines.includes(`"${join(root, name)}": bad-name: the name has control characters (${name.includes('\\t') ? '\\t' : '\\n'}); ignored`),
        `${name} in:\n${info.stderr}`,
      );
    }
    assert.ok(lines.every((l) => !l.includes('\t')));
    const convert = await seglab('convert', root, join(dir, 'out'), '--to', 'cvat');
    assert.equal(convert.code, 1);
    assert.equal(readFileSync(join(dir, 'out', 'ImageSets', 'Segmentation', 'default.txt'), 'utf8'), 'a\n');
  });

  test('convert refuses a destination in /proc, /sys or /dev at once (exit 2), and one below a dangling link', { timeout: 20_000 }, async (t) => {
    const dir = tempDir(t);
    makeVoc(join(dir, 'voc'), [{ stem: 'a' }]);
    for (const dst of ['/proc/x', '/sys/seglab', '/dev/shm/seglab-out']) {
      const r = await seglab('convert', join(dir, 'voc'), dst, '--to', 'plain');
      assert.equal(r.code, 2, dst);
      assert.match(r.stderr, new RegExp(`${dst}: is in /\\w+, a system folder; SegLab writes nothing there`));
    }
    assert.equal(existsSync('/dev/shm/seglab-out'), false);
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
    const r = await seglab('convert', join(dir, 'voc'), join(dir, 'dangling', 'out'), '--to', 'plain');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dangling\/out.*no such file or folder/);
  });

  test('convert exits 1 where info does: a mask of the wrong size, values outside the classes', async (t) => {
    const dir = tempDir(t);
    const root = join(dir, 'voc');
    makeVoc(root, [{ stem: 'a' }, { stem: 'b' }]);
    writeFile(join(root, 'SegmentationClass', 'a.png'), indexedMask(4, 4, maskValues(4, 4, 21)));
    writeFile(join(root, 'SegmentationClass', 'b.png'), indexedMask(12, 8, new Uint8Array(96).fill(40)));
    const info = await seglab('info', root);
    const convert = await seglab('convert', root, join(dir, 'out'), '--to', 'plain');
    assert.equal(info.code, 1);
    assert.equal(convert.code, info.code);
    assert.deepEqual(convert.stderr, info.stderr);
  });
});
