/**
 * The card proposed for an .onnx without one ("SegLab: Add Model…" and `seglab card`): what the
 * file says (input/output names, layout, types, fixed size; channels, value range and output
 * stride from a probe run) plus the answers given. Every field filled by a default rather than
 * by the file or an answer is listed, so the CLI can print them and the editor need not ask.
 */
import type { ClassDef } from '../classes';
import type { InferenceOutput, ModelIo } from './backend';
import type { Architecture, ClassMap, InputSpec, ModelCard, OutputSpec } from './card';
import { DEFAULT_MULTIPLE_OF, defaultOutputName, IMAGENET_MEAN, IMAGENET_STD, isIntegerType, shapeLayout } from './resolve';
import { INPUT_DTYPES, type InputDtype } from './tensors';

export const NORMALISATIONS = {
  imagenet: { label: 'ImageNet mean/std on 0-1 RGB', mean: IMAGENET_MEAN, std: IMAGENET_STD, scale: 1 / 255 },
  unit: { label: '0-1 RGB, no normalisation', mean: [0, 0, 0], std: [1, 1, 1], scale: 1 / 255 },
  symmetric: { label: '-1 to 1 RGB (mean 0.5, std 0.5)', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], scale: 1 / 255 },
  centered: { label: '(v - 128) / 256', mean: [0.5, 0.5, 0.5], std: [1, 1, 1], scale: 1 / 256 },
  none: { label: 'none: 0-255 values as they are (uint8 inputs)', mean: [0, 0, 0], std: [1, 1, 1], scale: 1 },
} satisfies Record<string, Pick<InputSpec, 'mean' | 'std' | 'scale'> & { label: string }>;
export type Normalisation = keyof typeof NORMALISATIONS;

/** A guess for the architecture picker: torchvision's segmentation models name their outputs out/aux. */
export function guessArchitecture(io: ModelIo, stride: number): Architecture {
  if (stride === 4) return 'segformer';
  return io.outputs.some((o) => o.name === 'aux') ? 'deeplabv3' : 'other';
}

/** The input side of a probe run: the fixed size, or 64 rounded to the default multiple-of. */
export function probeInput(io: ModelIo): { size: [number, number]; fixed: boolean; layout: 'NCHW' | 'NHWC'; dtype: InputDtype } {
  const { shape, type } = io.inputs[0];
  const layout = shapeLayout(shape) ?? 'NCHW';
  const [h, w] = layout === 'NHWC' ? [shape?.[1], shape?.[2]] : [shape?.[2], shape?.[3]];
  const fixed = typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0;
  const dtype = INPUT_DTYPES.includes(type as InputDtype) ? (type as InputDtype) : 'float32';
  return { size: fixed ? [h, w] : [DEFAULT_MULTIPLE_OF * 2, DEFAULT_MULTIPLE_OF * 2], fixed, layout, dtype };
}

export interface ProposeArgs {
  name: string;
  io: ModelIo;
  /** The output of `probeInput`'s run on a zero image. */
  probe: InferenceOutput;
  sha256: string;
  /** The dataset's classes, used when they fit the output. */
  datasetClasses?: readonly ClassDef[];
  /** Answers; each one left out is a listed default. */
  architecture?: Architecture;
  normalisation?: Normalisation;
  resize?: 'letterbox' | 'stretch';
  /** For a model with more channels than the dataset has classes: which model class feeds each dataset class (`supersetClassMap`). */
  classMap?: ClassMap;
}

/** Model classes the file cannot name (ONNX carries no class names): class_0 ... class_{N-1}, in channel order. */
const genericClasses = (n: number): ClassDef[] => Array.from({ length: n }, (_, i) => ({ id: i, name: `class_${i}`, color: [i, i, i] }));

/** The model's classes (the dataset's when they fit, else generic names, listed) and, for a superset, the classMap to fill in. */
function proposeClasses(
  count: number,
  kind: OutputSpec['kind'],
  dataset: readonly ClassDef[] | undefined,
  answer: ClassMap | undefined,
  defaults: string[],
): { classes: ClassDef[]; classMap?: ClassMap } {
  const sorted = [...(dataset ?? [])].sort((a, b) => a.id - b.id);
  const want = kind === 'sigmoid' ? 2 : count;
  if (sorted.length === want || (kind === 'labels' && sorted.length > 0)) return { classes: sorted.map((c) => ({ ...c })) };
  if (kind === 'sigmoid') {
    defaults.push('classes: "background" (below the threshold) and "foreground" (above); rename them to your dataset\'s, or add a classMap');
    return {
      classes: [
        { id: 0, name: 'background', color: [0, 0, 0] },
        { id: 1, name: 'foreground', color: [255, 255, 255] },
      ],
    };
  }
  if (answer) return { classes: genericClasses(count), classMap: answer };
  if (sorted.length > 0 && count > sorted.length) {
    // Every model class unmapped: the card is refused ("none of the model's classes maps") until one is filled in.
    defaults.push(
      `classes: the model has ${count} channels, more than the dataset's ${sorted.length} classes: ${count} generic names (class_0...) and a classMap ` +
        'mapping each to null (unlabeled); fill in, for each dataset class, the model class that feeds it ("<model class id>": <dataset class id>) ' +
        '— the card is refused until then',
    );
    const classes = genericClasses(count);
    return { classes, classMap: supersetClassMap(classes, new Map()) };
  }
  defaults.push(`classes: ${count} generic names (class_0...); name them in channel order and add a classMap for the dataset's classes`);
  return { classes: genericClasses(count) };
}

/**
 * The explicit classMap of Add Model…'s answers for a superset model: `feeds` holds, per dataset
 * class id, the model class id the user picked (or none); every other model class is unlabeled.
 * A model class picked for two dataset classes is an error (it can only become one).
 */
export function supersetClassMap(modelClasses: readonly ClassDef[], feeds: ReadonlyMap<number, number>): Record<number, number | null> {
  const map: Record<number, number | null> = Object.fromEntries(modelClasses.map((c) => [c.id, null]));
  for (const [datasetId, modelId] of feeds) {
    if (!(modelId in map)) throw new Error(`model class ${modelId} is not one of the model's ${modelClasses.length} classes`);
    if (map[modelId] !== null) throw new Error(`model class ${modelId} is chosen for dataset classes ${map[modelId]} and ${datasetId}; it can feed only one`);
    map[modelId] = datasetId;
  }
  return map;
}

export function proposeCard(a: ProposeArgs): { card: ModelCard; defaults: string[] } {
  const defaults: string[] = [];
  const { size, fixed, layout, dtype } = probeInput(a.io);
  const inputInfo = a.io.inputs[0];
  if (!shapeLayout(inputInfo.shape)) defaults.push('input.layout "NCHW" (the input shape does not tell)');
  if (!inputInfo.type) defaults.push('input.dtype "float32" (the file does not say)');
  const normalisation = a.normalisation ?? (dtype === 'uint8' ? 'none' : 'imagenet');
  if (!a.normalisation && dtype !== 'uint8') defaults.push(`input normalisation: ${NORMALISATIONS.imagenet.label}`);
  const resize = fixed ? (a.resize ?? 'letterbox') : 'letterbox';
  if (fixed && !a.resize)
    defaults.push(`input.resize "letterbox" (the input is a fixed ${size[0]}x${size[1]}; "stretch" if the model was trained on images scaled to fill it)`);
  if (!fixed) defaults.push(`input.multipleOf ${DEFAULT_MULTIPLE_OF} (the input takes any size)`);
  const outputName = defaultOutputName(a.io);
  if (a.io.outputs.length > 1) defaults.push(`output.name "${outputName}" (of ${a.io.outputs.map((o) => o.name).join(', ')})`);
  const { dims, data, type } = a.probe;
  const nhwc = layout === 'NHWC' && dims.length === 4;
  const channels = dims.length === 4 ? dims[nhwc ? 3 : 1] : 1;
  const outH = dims.length === 4 ? dims[nhwc ? 1 : 2] : dims[dims.length - 2];
  const stride = Math.max(1, Math.round(size[0] / outH));
  const output: OutputSpec = { name: outputName, kind: 'logits', stride };
  if (isIntegerType(type)) output.kind = 'labels';
  else if (channels === 1) {
    const probabilities = data.every((v) => v >= 0 && v <= 1);
    Object.assign(output, { kind: 'sigmoid', activation: probabilities ? 'applied' : 'none', threshold: 0.5 });
    defaults.push(
      `output.activation "${output.activation}" (a probe run's values are ${probabilities ? 'all within 0-1: the graph seems to end in a Sigmoid' : 'outside 0-1: logits'}), output.threshold 0.5`,
    );
  } else defaults.push('output.kind "logits" ("probabilities" if the graph ends in a Softmax)');
  if (nhwc) output.layout = 'NHWC';
  const architecture = a.architecture ?? guessArchitecture(a.io, stride);
  if (!a.architecture) defaults.push(`architecture "${architecture}"`);
  const { mean, std, scale } = NORMALISATIONS[normalisation];
  const { classes, classMap } = proposeClasses(channels, output.kind, a.datasetClasses, a.classMap, defaults);
  return {
    card: {
      name: a.name,
      architecture,
      classes,
      ...(classMap ? { classMap } : {}),
      input: {
        name: inputInfo.name,
        layout,
        dtype,
        mean: [...mean] as InputSpec['mean'],
        std: [...std] as InputSpec['std'],
        scale,
        order: 'RGB',
        size: fixed ? size : undefined,
        multipleOf: fixed ? 1 : DEFAULT_MULTIPLE_OF,
        resize,
      },
      output,
      sha256: a.sha256,
      training: { note: 'card proposed by SegLab from the .onnx; provenance unknown' },
    },
    defaults,
  };
}
