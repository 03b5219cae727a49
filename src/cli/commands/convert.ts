import { DataError } from '../../core/errors';
import { ensureEmptyFolder } from '../../core/dataset/convert';
import { validateDataset } from '../../core/dataset/validate';
import { OVERLAP_RULES, type OverlapRule } from '../../core/formats/cocoJson';
import { detectFormat, readSource, SOURCE_FORMATS, TARGET_FORMATS, writeTarget, type SourceFormat, type TargetFormat } from '../../core/formats/formats';
import { indexSource, type LabelSource } from '../../core/formats/source';
import type { FileSystem } from '../../core/fileSystem';
import { quotedName } from '../../core/paths';
import { NodeFileSystem, refuseSystemFolder } from '../../node/nodeFileSystem';
import { expectPositionals, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { count, progress, reportProblems, type Io } from '../output';

function choice<T extends string>(parsed: Parsed, name: string, allowed: readonly T[]): T | undefined {
  const value = stringOption(parsed, name);
  if (value !== undefined && !allowed.includes(value as T)) throw new UsageError(`--${name} expects one of ${allowed.join(', ')}, got "${value}"`);
  return value as T | undefined;
}

/** The source as --from names it, or as detected; a SegLab dataset is validated as `info` does. */
async function openSource(fs: FileSystem, src: string, from: SourceFormat | undefined, overlap: OverlapRule | undefined, io: Io): Promise<LabelSource> {
  if ((await fs.stat(src)) === undefined) throw new UsageError(`${src}: no such file or folder`);
  const format = from ?? (await detectFormat(fs, src));
  if (format === undefined) throw new UsageError(`${src}: the format is not recognised; name it with --from (${SOURCE_FORMATS.join(', ')})`);
  if (overlap !== undefined && format !== 'coco') throw new UsageError('--overlap applies to COCO sources only');
  if (format !== 'native') return readSource(fs, src, format, { overlap });
  const index = await openDataset(fs, src);
  // The checks of `info`, so that both exit 1 on the same data.
  await validateDataset(fs, index, { onProgress: progress(io, 'validating') });
  return indexSource(fs, index);
}

export const convertCommand: Command = {
  name: 'convert',
  summary: `convert labels between formats (${TARGET_FORMATS.join(', ')})`,
  help: `Usage: seglab convert <src> <dst> [--from <format>] --to <format> [--overlap later|smaller]

Writes <src> into the new folder <dst>: images copied, masks written in the target's form.
Sources (--from; detected when left out and the files say so):
  native      a SegLab dataset: VOC, CVAT, plain or seglab.json (masks validated as info does)
  coco        a folder with annotations/instances_<split>.json or stuff_<split>.json, or one
              such file; images in images/<split>/, <split>/, images/ or beside the JSON
  labelstudio a Label Studio JSON export (or its folder, images in images/ beside it), with
              labeling_config.xml beside it when there is one (brush and polygon labels)
  cityscapes  leftImg8bit/<split>/<city>/ + gtFine/<split>/<city>/*_gtFine_labelIds.png
  ade20k      ADEChallengeData2016: images/<split>/ + annotations/<split>/
Targets (--to):
  voc         JPEGImages/, SegmentationClass/, ImageSets/Segmentation/<split>.txt
  cvat        the same plus labelmap.txt (ImageSets/Segmentation/default.txt when there are no splits)
  plain       images/, masks/, splits/<split>.txt and a seglab.json
  coco        images/ and annotations/stuff_<split>.json: one compressed RLE per class per image
  labelstudio images/, tasks.json (one brush result per class per image), labeling_config.xml
  cityscapes  leftImg8bit/<split>/<city>/ and gtFine/<split>/<city>/*_gtFine_labelTrainIds.png
voc and cvat get a seglab.json too when their layout cannot hold the classes or ignore index.
The class mapping and overlap rules of each format are in the README ("Formats").

Options:
  --from <format>    ${SOURCE_FORMATS.join(', ')}
  --to <format>      ${TARGET_FORMATS.join(', ')}
  --overlap <rule>   COCO: where annotations overlap, the later one (later, the default) or the
                     smaller one (smaller) wins
  -h, --help         show this help

An annotation file with a mistake (unknown category, a polygon or RLE whose size disagrees with
the image, an image that is missing) stops the conversion before anything is written, with the
file and the annotation id. Problems in a SegLab dataset are found as \`seglab info\` finds them
(every mask decoded and checked), so both exit 1 on the same data. A destination in /proc, /sys
or /dev is refused.

Exit codes: 0 converted, 1 problems found (listed on stderr; the rest is converted), 2 usage error.`,
  options: { from: { type: 'string' }, to: { type: 'string' }, overlap: { type: 'string' } },
  async run(parsed: Parsed, io: Io): Promise<number> {
    const [src, dst] = expectPositionals(parsed, ['src', 'dst']);
    const to = choice(parsed, 'to', TARGET_FORMATS);
    if (to === undefined) throw new UsageError(`--to expects one of ${TARGET_FORMATS.join(', ')}, got nothing`);
    const from = choice(parsed, 'from', SOURCE_FORMATS);
    const overlap = choice(parsed, 'overlap', OVERLAP_RULES);
    const fs = new NodeFileSystem();
    await refuseSystemFolder(dst)
      .then(() => ensureEmptyFolder(fs, dst))
      .catch((err) => {
        throw err instanceof DataError ? new UsageError(err.message) : err;
      });
    const source = await openSource(fs, src, from, overlap, io);
    const result = await writeTarget(fs, source, dst, to as TargetFormat, { onProgress: progress(io, 'converting') });
    io.out(`${quotedName(dst)}: ${to} dataset with ${count(result.images)} images and ${count(result.masks)} masks`);
    // A mask that could not be converted is reported once, by convert ("...; mask not converted").
    const notConverted = new Set(result.problems.map((p) => p.path));
    const problems = [...source.problems.filter((p) => !notConverted.has(p.path)), ...result.problems];
    reportProblems(io, problems);
    return problems.length > 0 ? 1 : 0;
  },
};
