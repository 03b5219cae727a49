// No import circle among the sources (type-only imports count: they tie modules together just
// as well). ESLint has no rule for this without a plugin, so this test walks the imports.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const repo = resolve(__dirname, '..', '..');

function sources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The relative imports of a file, resolved to source files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'(\.[^']*)'/gms)].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s)).flatMap((p) => [`${p}.ts`, join(p, 'index.ts')].filter(existsSync).slice(0, 1));
}

/** Each circle once, as the files along it (depth-first search over the import graph). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

test('the cycle search finds a circle, and only circles', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
  ]);
  assert.deepEqual(findCycles(graph), [['a', 'b', 'c']]);
  assert.deepEqual(
    findCycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  );
});

test('src/ and webview/ have no import circle', () => {
  const files = [...sources(join(repo, 'src')), ...sources(join(repo, 'webview'))];
  assert.ok(files.length > 100, `found only ${files.length} source files`);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const cycles = findCycles(graph).map((c) => [...c, c[0]].map((f) => relative(repo, f)).join(' -> '));
  assert.deepEqual(cycles, []);
});
