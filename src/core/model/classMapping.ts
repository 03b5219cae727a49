/**
 * The model's classes onto the dataset's: by default each card class must be the dataset class
 * of the same id and name; a card's `classMap` maps by name ("byName") or explicitly (model id ->
 * dataset id or null). A model class with no dataset class becomes "unlabeled" (the ignore
 * index) in the prediction: never a wrong class.
 */
import type { ClassDef } from '../classes';
import { ConfigError } from '../errors';
import type { ClassMap } from './card';

/** The classes a model's output is mapped onto. */
export interface DatasetClasses {
  classes: readonly ClassDef[];
  ignoreIndex: number;
  /** Named in class mismatch errors (the dataset folder or its seglab.json). */
  path: string;
}

export interface ClassMapping {
  /** "id": same ids and names; "name": classMap "byName"; "classMap": the card's explicit map. */
  rule: 'id' | 'name' | 'classMap';
  /** One per model class, in channel order: its dataset class id, or null (unlabeled). */
  classes: Array<{ id: number; name: string; to: number | null }>;
}

const norm = (name: string) => name.trim().toLowerCase();
const MAP_HINT = 'add "classMap": "byName" or {"<model class id>": <dataset class id> | null} to the card (unmapped model classes become unlabeled)';

export function mapClasses(classes: readonly ClassDef[], classMap: ClassMap | undefined, cardPath: string, dataset: DatasetClasses): ClassMapping {
  const ids = dataset.classes.map((x) => x.id).join(', ');
  if (classMap === undefined) {
    return {
      rule: 'id',
      classes: classes.map((c, i) => {
        const d = dataset.classes.find((x) => x.id === c.id);
        if (!d)
          throw new ConfigError(cardPath, `classes[${i}]: class id ${c.id} ("${c.name}") is not a class of the dataset ${dataset.path} (ids ${ids})`, MAP_HINT);
        if (norm(d.name) !== norm(c.name))
          throw new ConfigError(
            cardPath,
            `classes[${i}]: class id ${c.id} is "${c.name}" in the model but "${d.name}" in the dataset ${dataset.path}`,
            MAP_HINT,
          );
        return { id: c.id, name: c.name, to: d.id };
      }),
    };
  }
  const mapped = classes.map((c) => {
    if (classMap === 'byName') return { id: c.id, name: c.name, to: dataset.classes.find((d) => norm(d.name) === norm(c.name))?.id ?? null };
    const to = classMap[c.id] ?? null;
    if (to !== null && !dataset.classes.some((d) => d.id === to)) {
      throw new ConfigError(
        cardPath,
        `classMap["${c.id}"]: ${to} is not a class id of the dataset ${dataset.path} (ids ${ids})`,
        'map it to one of these ids, or to null (unlabeled)',
      );
    }
    return { id: c.id, name: c.name, to };
  });
  if (mapped.every((c) => c.to === null)) {
    throw new ConfigError(
      cardPath,
      `classMap: none of the model's classes maps to a class of the dataset ${dataset.path} (${dataset.classes.map((d) => d.name).join(', ')})`,
      'every pixel would be unlabeled',
    );
  }
  return { rule: classMap === 'byName' ? 'name' : 'classMap', classes: mapped };
}

/** One line for the CLI and logs: "by id" or "water (2) -> unlabeled, grass (1) -> 1 ...". */
export function describeMapping(m: ClassMapping, dataset: Pick<DatasetClasses, 'classes'>): string {
  if (m.rule === 'id') return 'model classes are the dataset classes of the same id and name';
  const to = (id: number | null) => (id === null ? 'unlabeled' : `${dataset.classes.find((d) => d.id === id)?.name ?? '?'} (${id})`);
  return `${m.rule === 'name' ? 'classMap "byName"' : 'classMap'}: ${m.classes.map((c) => `${c.name} (${c.id}) -> ${to(c.to)}`).join(', ')}`;
}
