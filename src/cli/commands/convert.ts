import { DataError } from '../../core/errors';
import { convertDataset, ensureEmptyFolder, TARGET_LAYOUTS, type TargetLayout } from '../../core/dataset/convert';
import { validateDataset } from '../../core/dataset/validate';
import { quotedName } from '../../core/paths';
import { NodeFileSystem, refuseSystemFolder } from '../../node/nodeFileSystem';
import { expectPositionals, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import { count, progress, reportProblems, type Io } from '../output';

export const convertCommand: Command = {
  name: 'convert',
  summary: 'write a dataset in another layout (voc, cvat, plain)',
  help: `Usage: seglab convert <src> <dst> --to voc|cvat|plain

Writes <src> into the new folder <dst>: images copied, masks re-encoded as indexed PNGs with the
class colours as palette (pixel values unchanged), predictions and splits carried over.
  voc    JPEGImages/, SegmentationClass/, ImageSets/Segmentation/<split>.txt
  cvat   the same plus labelmap.txt (ImageSets/Segmentation/default.txt when there are no splits)
  plain  images/, masks/, splits/<split>.txt and a seglab.json
voc and cvat get a seglab.json too when their layout cannot hold the classes or ignore index.

Options:
  --to <layout>  voc, cvat or plain
  -h, --help     show this help

Problems are found as \`seglab info\` finds them (every mask decoded and checked), so both exit
1 on the same data. A destination in /proc, /sys or /dev is refused.

Exit codes: 0 converted, 1 problems found (listed on stderr; the rest is converted), 2 usage error.`,
  options: { to: { type: 'string' } },
  async run(parsed: Parsed, io: Io): Promise<number> {
    const [src, dst] = expectPositionals(parsed, ['src', 'dst']);
    const to = stringOption(parsed, 'to');
    if (!TARGET_LAYOUTS.includes(to as TargetLayout)) {
      throw new UsageError(`--to expects one of ${TARGET_LAYOUTS.join(', ')}, got ${to === undefined ? 'nothing' : `"${to}"`}`);
    }
    const fs = new NodeFileSystem();
    await refuseSystemFolder(dst)
      .then(() => ensureEmptyFolder(fs, dst))
      .catch((err) => {
        throw err instanceof DataError ? new UsageError(err.message) : err;
      });
    const index = await openDataset(fs, src);
    // The checks of `info`, so that both exit 1 on the same data.
    await validateDataset(fs, index, { onProgress: progress(io, 'validating') });
    const result = await convertDataset(fs, index, dst, to as TargetLayout, { onProgress: progress(io, 'converting') });
    io.out(`${quotedName(dst)}: ${to} dataset with ${count(result.images)} images and ${count(result.masks)} masks`);
    // A mask that could not be converted is reported once, by convert ("...; mask not converted").
    const notConverted = new Set(result.problems.map((p) => p.path));
    const problems = [...index.problems.filter((p) => !notConverted.has(p.path)), ...result.problems];
    reportProblems(io, problems);
    return problems.length > 0 ? 1 : 0;
  },
};
