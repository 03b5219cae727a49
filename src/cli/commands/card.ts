import { ConfigError } from '../../core/errors';
import { sha256Hex } from '../../core/hash';
import { formatModelCard } from '../../core/model/card';
import { probe } from '../../core/model/load';
import { probeInput, proposeCard } from '../../core/model/newCard';
import { defaultOutputName, resolveModel } from '../../core/model/resolve';
import { baseName, stemOf } from '../../core/paths';
import { NodeFileSystem } from '../../node/nodeFileSystem';
import { createBackend } from '../../node/onnxBackends';
import { expectPositionals, stringOption, UsageError, type Parsed } from '../args';
import { openDataset, type Command } from '../command';
import type { Io } from '../output';
import { writePromptableCard } from './promptableCard';

export const cardCommand: Command = {
  name: 'card',
  summary: 'write the model card "Add Model…" would propose for an ONNX file',
  help: `Usage: seglab card <model.onnx> [--out <card.json>] [--classes-from <dataset>] [--name <name>]
       seglab card <encoder.onnx> <decoder.onnx> [--out <card.json>] [--name <name>]

Reads the model (input and output names, layout, types, fixed size) and runs it once on a zero
image (channels, value range, output stride), then prints the card SegLab proposes for it, as
"SegLab: Add Model…" does, without questions: each field the file does not settle gets a
default, listed on stderr. One output channel gives a "sigmoid" card, an integer output a
"labels" card, an NHWC input "layout": "NHWC", a uint8 input no normalisation. With
--classes-from, the dataset's classes are used when they fit the output, and the card is
checked against the dataset (what still needs editing is printed); a model with more channels
than the dataset has classes gets class_0... and a "classMap" mapping each to null (unlabeled),
to fill in with the dataset class each model class feeds: pre-labeling refuses the card until
one is. Save it as <model>.json next to the model.

With two files, a promptable (Smart Select) pair in SAM's ONNX format: the SAM signature is
recognised from the names, shapes and types, and the card gets SAM's preprocessing. It names the
two files relative to itself, so it goes in their folder.

Options:
  --out <card.json>        write the card there instead of stdout
  --classes-from <dataset> take the classes from this dataset
  --name <name>            the model's name (default: the file's stem)
  -h, --help               show this help

Exit codes: 0 card written, 1 the model cannot be read, 2 usage error.`,
  options: {
    out: { type: 'string' },
    'classes-from': { type: 'string' },
    name: { type: 'string' },
  },
  async run(parsed: Parsed, io: Io): Promise<number> {
    if (parsed.positionals.length === 2 && parsed.values['classes-from'] === undefined) {
      return writePromptableCard(parsed.positionals[0], parsed.positionals[1], stringOption(parsed, 'name'), stringOption(parsed, 'out'), io);
    }
    const [modelPath] = expectPositionals(parsed, ['model.onnx']);
    const fs = new NodeFileSystem();
    if ((await fs.stat(modelPath))?.type !== 'file') throw new UsageError(`${modelPath}: no such file`);
    const from = stringOption(parsed, 'classes-from');
    const index = from === undefined ? undefined : await openDataset(fs, from);
    const name = stringOption(parsed, 'name') ?? stemOf(baseName(modelPath));
    if (name.trim() === '' || /[/\\]/.test(name)) throw new UsageError(`--name: expected a name without slashes, got "${name}"`);
    const bytes = await fs.readFile(modelPath);
    const backend = await createBackend('cpu', bytes, { threads: 1 });
    try {
      const run = await probe(backend, { ...probeInput(backend.io), multipleOf: 1 }, defaultOutputName(backend.io));
      const { card, defaults } = proposeCard({ name, io: backend.io, probe: run, sha256: await sha256Hex(bytes), datasetClasses: index?.config.classes });
      for (const d of defaults) io.err(`seglab card: default: ${d}`);
      if (index) {
        const dataset = { classes: index.config.classes, ignoreIndex: index.config.ignoreIndex, path: index.root };
        try {
          resolveModel({ modelPath, card, io: backend.io, channels: run.dims.length === 4 ? run.dims[card.input.layout === 'NHWC' ? 3 : 1] : 1, dataset });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          io.err(`seglab card: edit before use with ${index.root}: ${error.detail}`);
        }
      }
      const text = formatModelCard(card);
      const out = stringOption(parsed, 'out');
      if (out === undefined) io.out(text.trimEnd());
      else {
        await fs.writeFileAtomic(out, new TextEncoder().encode(text));
        io.err(`seglab card: wrote ${out}`);
      }
      return 0;
    } finally {
      await backend.release();
    }
  },
};
