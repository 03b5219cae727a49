import { validateDataset } from '../../core/dataset/validate';
import type { DatasetIndex, ImageStatus } from '../../core/dataset/types';
import { quotedName } from '../../core/paths';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { expectPositionals, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { count, json, progress, reportProblems, table, type Io } from '../output';

/** The `--json` shape of `seglab info`. */
export function infoJson(index: DatasetIndex) {
  const n = (status: ImageStatus) => index.images.filter((e) => e.status === status).length;
  return {
    layout: index.layout,
    classes: index.config.classes.map(({ id, name, color }) => ({ id, name, color })),
    ignoreIndex: index.config.ignoreIndex,
    images: index.images.length,
    labeled: n('labeled'),
    unlabeled: n('unlabeled'),
    predicted: n('predicted'),
    problems: index.problems.map(({ path, kind, message }) => ({ path, kind, message })),
  };
}

function infoText(index: DatasetIndex): string {
  const info = infoJson(index);
  const invalid = info.images - info.labeled - info.unlabeled - info.predicted;
  const splits = Object.keys(index.config.splits).map((s) => `${s} ${count(index.images.filter((e) => e.splits.includes(s)).length)}`);
  const models = [...new Set(index.images.flatMap((e) => e.predictions))].sort();
  const classes = table(
    ['id', 'name', 'colour'],
    info.classes.map((c) => [String(c.id), c.name, c.color.join(',')]),
    [0],
  );
  return [
    `dataset   ${quotedName(index.config.name)} (${quotedName(index.root)})`,
    `layout    ${info.layout}`,
    `images    ${count(info.images)}: ${count(info.labeled)} labeled, ${count(info.unlabeled)} unlabeled, ` +
      `${count(info.predicted)} predicted, ${count(invalid)} invalid`,
    `splits    ${splits.join(', ') || '-'}`,
    `models    ${models.join(', ') || '-'}`,
    `problems  ${count(info.problems.length)}`,
    `classes   ${info.classes.length} (ignore index ${info.ignoreIndex})`,
    '',
    classes,
  ].join('\n');
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'layout, classes, image counts and problems of a dataset',
  help: `Usage: seglab info <dataset> [--json]

Detects the dataset's layout, indexes it and validates every mask (decoded) against its image's
size (read from the header). Problems go to stderr, one per line starting with the file.

Options:
  --json      print {layout, classes, ignoreIndex, images, labeled, unlabeled, predicted, problems}
  -h, --help  show this help

Exit codes: 0 no problems, 1 problems found in the data, 2 usage error.`,
  options: { json: { type: 'boolean' } },
  async run(parsed: Parsed, io: Io): Promise<number> {
    const [path] = expectPositionals(parsed, ['dataset']);
    const fs = new NodeFileSystem();
    const index = await openDataset(fs, path);
    await validateDataset(fs, index, { onProgress: progress(io, 'validating') });
    io.out(parsed.values.json ? json(infoJson(index)) : infoText(index));
    reportProblems(io, index.problems);
    return index.problems.length > 0 ? 1 : 0;
  },
};
