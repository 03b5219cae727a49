// `npm run package`: one .vsix per platform onnxruntime-node ships binaries for. Each holds its own
// platform's native ONNX Runtime and nothing of the others', everything the extension loads at
// run time (bundles, webviews, wasm, ONNX Runtime Web, codicons, l10n, the trainer's sources),
// and none of what stays in the repository. This machine's package loads its native ONNX Runtime.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { strFromU8, unzipSync } from 'fflate';
// @ts-expect-error a plain ES module of the build, without types
import { nativeFiles, onnxRuntimeTargets } from '../../scripts/onnxRuntimeNode.mjs';

const out = mkdtempSync(join(tmpdir(), 'seglab-vsix-'));
after(() => rmSync(out, { recursive: true, force: true }));
const targets: string[] = onnxRuntimeTargets();
const BIN = 'extension/dist/onnxruntime-node/bin/napi-v6';

before(() => {
  const started = performance.now();
  execFileSync(process.execPath, ['scripts/package.mjs', '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`packaged ${targets.length} targets in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

const vsixOf = (target: string) => join(out, `seglab-${target}.vsix`);

/** The paths in a .vsix (a zip), without inflating anything. */
function listing(target: string): string[] {
  const names: string[] = [];
  unzipSync(readFileSync(vsixOf(target)), { filter: (f) => (names.push(f.name), false) });
  return names;
}

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative('.', join(e.parentPath, e.name)));

/** What the extension loads at run time, from the sources that decide it. */
function runtimeFiles(): string[] {
  const ortMain = (pkg: string) => JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')).main;
  const webviews = readdirSync('webview').filter((d) => existsSync(join('webview', d, 'main.ts')));
  return [
    'package.json',
    'package.nls.json',
    'l10n/bundle.l10n.json',
    'media/seglab.svg',
    'dist/extension.js',
    'dist/cli.js',
    'dist/miouWorker.js',
    'dist/prelabelWorker.js',
    'dist/libjpegturbowasm_decode.wasm',
    'dist/codicons/codicon.css',
    'dist/codicons/codicon.ttf',
    ...webviews.map((w) => `dist/webview/${w}.js`),
    ...JSON.parse(readFileSync('webview/prelabel/ortWebFiles.json', 'utf8')).map((f: string) => `dist/ort/${f}`),
    'dist/onnxruntime-node/package.json',
    `dist/onnxruntime-node/${ortMain('onnxruntime-node')}`,
    'dist/onnxruntime-node/node_modules/onnxruntime-common/package.json',
    `dist/onnxruntime-node/node_modules/onnxruntime-common/${ortMain('onnxruntime-common')}`,
    'backend/pyproject.toml',
    ...files('backend/seglab_trainer').filter((f) => f.endsWith('.py')),
  ].map((f) => `extension/${f}`);
}

test('one package per platform onnxruntime-node has binaries for', () => {
  assert.ok(targets.includes('linux-x64') && targets.includes('win32-x64') && targets.includes('darwin-arm64'), targets.join(', '));
  assert.deepEqual(readdirSync(out).sort(), targets.map((t) => `seglab-${t}.vsix`).sort());
  for (const target of targets) {
    const manifest = unzipSync(readFileSync(vsixOf(target)), { filter: (f) => f.name === 'extension.vsixmanifest' })['extension.vsixmanifest'];
    assert.match(strFromU8(manifest), new RegExp(`TargetPlatform="${target}"`), target);
    console.log(`${target}: ${(statSync(vsixOf(target)).size / 1e6).toFixed(1)} MB`);
  }
});

for (const target of targets) {
  test(`${target}: its own native files and nothing of the others`, () => {
    const native = listing(target).filter((f) => f.startsWith(`${BIN}/`));
    const [os, arch] = target.split('-');
    assert.deepEqual(
      native.sort(),
      nativeFiles(target)
        .map((f: string) => `${BIN}/${os}/${arch}/${f}`)
        .sort(),
    );
  });

  test(`${target}: everything loaded at run time, nothing that stays in the repository`, () => {
    const names = listing(target);
    const missing = runtimeFiles().filter((f) => !names.includes(f));
    assert.deepEqual(missing, [], `missing from ${target}`);
    const unwanted = names.filter((f) => /\.(map|ts)$/.test(f) || /^extension\/(src|test|webview|scripts|bench|node_modules|media\/screenshots)\//.test(f));
    assert.deepEqual(unwanted, []);
  });
}

test(
  "this machine's package loads its native ONNX Runtime",
  { skip: !targets.includes(`${process.platform}-${process.arch}`) && 'no package for this machine' },
  () => {
    const dir = join(out, 'unpacked');
    const entries = unzipSync(readFileSync(vsixOf(`${process.platform}-${process.arch}`)), {
      filter: (f) => f.name.startsWith('extension/dist/onnxruntime-node/'),
    });
    for (const [name, bytes] of Object.entries(entries)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const ort = join(dir, 'extension', 'dist', 'onnxruntime-node');
    const loaded = execFileSync(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(ort)}).InferenceSession.create)`], {
      cwd: dir,
      env: { ...process.env, ORT_DISABLE_TELEMETRY: '1', NODE_PATH: '' },
      encoding: 'utf8',
    });
    assert.equal(loaded.trim(), 'function');
  },
);
