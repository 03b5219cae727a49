/**
 * "Import Labels…" and "Export Labels…" run as commands in VS Code, their questions (format,
 * folders) answered through the command's arguments: the fixture dataset out to COCO, the COCO
 * folder back in as a new dataset, and a broken COCO file refused.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { decodeMask, encodeMask } from '../../src/core/mask/codec';
import { readImageSize } from '../../src/core/mask/imageSize';
import { parseCocoFile, rasterizeImage } from '../../src/core/formats/cocoJson';
import type { ConvertResult } from '../../src/core/formats/writeItems';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import { useNodeZlib } from '../../src/node/zlibCodec';
import { FIXTURE } from './fixture';
import { datasetNamed, datasetNode, seglab, workspaceFolder } from './helpers';

const stemOf = (name: string) => name.replace(/\.[^.]+$/, '');

describe('Import Labels and Export Labels', () => {
  let api: SegLabApi;
  let dir: string;
  const opened: vscode.Uri[] = [];
  before(async () => {
    api = await seglab();
    // The extension writes masks with Node's zlib; the reference encodings below must too.
    useNodeZlib();
    // Outside the workspace, so that the dataset discovery never sees these folders.
    dir = mkdtempSync(join(tmpdir(), 'seglab-convert-'));
  });
  after(async () => {
    for (const uri of opened) await vscode.commands.executeCommand('seglab.removeDataset', uri);
    rmSync(dir, { recursive: true, force: true });
  });

  const plain = () => join(workspaceFolder().fsPath, FIXTURE.plain.folder);
  const config = () => JSON.parse(readFileSync(join(plain(), 'seglab.json'), 'utf8'));
  /** The fixture's valid masks (img_3's has the wrong size) as label maps. */
  const goodMasks = ['img_0', 'img_1', 'img_2'];
  const maskOnDisk = (stem: string) => {
    const path = join(plain(), 'masks', `${stem}.png`);
    return decodeMask(readFileSync(path), { path, classes: config().classes });
  };

  it('Export Labels writes the fixture dataset as COCO whose annotations decode to the masks on disk', async function () {
    this.timeout(60_000);
    await api.whenIdle();
    const coco = vscode.Uri.file(join(dir, 'coco'));
    const result = await vscode.commands.executeCommand<ConvertResult | undefined>('seglab.exportLabels', datasetNode(api, FIXTURE.plain.name), {
      format: 'coco',
      destination: coco,
    });
    assert.ok(result, 'the export returned no result (see the SegLab log)');
    assert.equal(result.images, FIXTURE.plain.images);
    assert.equal(result.masks, goodMasks.length);
    // img_3's mask is 13 x 8 for a 12 x 8 image: reported, left out.
    assert.deepEqual(
      result.problems.map((p) => [p.path, p.kind]),
      [[join(plain(), 'images', 'img_3.png'), 'size-mismatch']],
    );

    assert.deepEqual(readdirSync(join(coco.fsPath, 'annotations')), ['stuff_default.json']);
    const file = join(coco.fsPath, 'annotations', 'stuff_default.json');
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    const { classes } = config();
    assert.deepEqual(
      raw.categories.map((c: { id: number; name: string; color: number[] }) => ({ id: c.id, name: c.name, color: c.color })),
      classes,
    );
    assert.deepEqual(readdirSync(join(coco.fsPath, 'images')).sort(), ['img_0.png', 'img_1.png', 'img_2.png', 'img_3.png', 'img_4.png', 'img_5.png']);

    const parsed = parseCocoFile(readFileSync(file, 'utf8'), file);
    const annotated = parsed.images.filter((image) => (parsed.annotations.get(image.id) ?? []).length > 0);
    assert.deepEqual(annotated.map((image) => stemOf(image.file_name)).sort(), goodMasks);
    for (const image of parsed.images) {
      const onDisk = readImageSize(readFileSync(join(plain(), 'images', image.file_name)), image.file_name);
      assert.deepEqual([image.width, image.height], [onDisk.width, onDisk.height], `${image.file_name}: the image's own size`);
    }
    for (const image of annotated) {
      // Ignore (255) where no annotation is: the COCO file has category 0, so nothing is background by default.
      const decoded = rasterizeImage(image, parsed.annotations.get(image.id)!, { overlap: 'later', unannotated: 255, ignoreIndex: 255 });
      const mask = maskOnDisk(stemOf(image.file_name));
      assert.deepEqual([image.width, image.height], [mask.width, mask.height], image.file_name);
      assert.ok(Buffer.from(decoded).equals(Buffer.from(mask.data)), `${image.file_name}: the annotations do not decode to the mask on disk`);
    }
  });

  it('Import Labels reads that COCO folder into a new dataset with the same masks, shown in the Dataset tree', async function () {
    this.timeout(60_000);
    const coco = vscode.Uri.file(join(dir, 'coco'));
    assert.ok(existsSync(coco.fsPath), 'the export test runs first');
    const destination = vscode.Uri.file(join(dir, 'imported'));
    const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.importLabels', undefined, {
      format: 'coco',
      source: coco,
      destination,
    });
    assert.ok(dataset, 'the import returned no dataset (see the SegLab log)');
    opened.push(destination);
    assert.equal(dataset.uri.toString(), destination.toString());
    await api.whenIdle();

    const { classes, ignoreIndex } = config();
    const masks = join(destination.fsPath, 'masks');
    assert.deepEqual(
      readdirSync(masks).sort(),
      goodMasks.map((s) => `${s}.png`),
    );
    for (const stem of goodMasks) {
      // SegLab writes every mask as an indexed PNG with the class colours: the same bytes as it writes for the original.
      const original = maskOnDisk(stem);
      const written = readFileSync(join(masks, `${stem}.png`));
      const back = decodeMask(written, { path: stem, classes });
      assert.deepEqual([back.width, back.height], [original.width, original.height], stem);
      assert.ok(Buffer.from(back.data).equals(Buffer.from(original.data)), `${stem}.png: other values than the original mask`);
      const expected = encodeMask(original, classes, ignoreIndex ?? 255);
      assert.ok(written.equals(Buffer.from(expected)), `${stem}.png: other bytes than SegLab writes for the original mask`);
    }
    const imported = JSON.parse(readFileSync(join(destination.fsPath, 'seglab.json'), 'utf8'));
    assert.deepEqual(imported.classes, classes);

    const node = api.tree.getChildren().find((n) => n.kind === 'dataset' && n.dataset.uri.toString() === destination.toString());
    assert.ok(node, `no tree node for ${destination.fsPath}`);
    const state = api.datasets.find((d) => d.uri.toString() === destination.toString());
    assert.equal(state?.error, undefined);
    assert.equal(state?.index?.images.length, FIXTURE.plain.images);
    assert.equal(state?.index?.images.filter((e) => e.mask !== undefined).length, goodMasks.length);
    // The fixture dataset is still there, unchanged.
    assert.equal(datasetNamed(api, FIXTURE.plain.name).uri.fsPath, plain());
  });

  it('Import Labels of a broken COCO file shows an error naming the file and writes nothing', async function () {
    this.timeout(60_000);
    const broken = join(dir, 'broken');
    const annotations = join(broken, 'annotations', 'instances_train.json');
    mkdirSync(join(broken, 'annotations'), { recursive: true });
    mkdirSync(join(broken, 'images'), { recursive: true });
    writeFileSync(annotations, '{ "images": [ {"id": 1, "file_name": "a.png", "width": 4, "height": 3} ], "annotations": [');
    const destination = vscode.Uri.file(join(dir, 'broken-seglab'));
    const messages: string[] = [];
    const listener = api.onDidReportFailure((message) => messages.push(message));
    try {
      const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.importLabels', undefined, {
        format: 'coco',
        source: vscode.Uri.file(broken),
        destination,
      });
      assert.equal(dataset, undefined);
    } finally {
      listener.dispose();
    }
    assert.equal(messages.length, 1, messages.join('\n'));
    assert.ok(messages[0].includes(annotations), messages[0]);
    assert.match(messages[0], /not valid JSON/);
    assert.ok(!existsSync(destination.fsPath), 'the destination was created');
    assert.ok(!api.datasets.some((d) => d.uri.toString() === destination.toString()));
  });
});
