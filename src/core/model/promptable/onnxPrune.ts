/**
 * An ONNX model without some of its graph outputs and the nodes (and initializers) that only
 * they needed, by rewriting the protobuf bytes: ONNX Runtime computes every node of a graph
 * whatever the caller fetches, so this is how a SAM decoder runs without upscaling all its
 * candidates to the image's size. Only the fields involved are decoded (ModelProto.graph,
 * GraphProto.node/initializer/output, NodeProto.input/output, the names); the rest is copied.
 */

interface Field {
  no: number;
  wire: number;
  /** The whole field, tag included. */
  start: number;
  end: number;
  /** The payload of a length-delimited field. */
  body: Uint8Array;
}

function varint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 1; ; shift *= 128) {
    if (at >= bytes.length) throw new Error('truncated varint');
    const b = bytes[at++];
    value += (b & 0x7f) * shift;
    if (b < 0x80) return [value, at];
  }
}

function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  for (let at = 0; at < bytes.length;) {
    const start = at;
    const [tag, next] = varint(bytes, at);
    const wire = tag % 8;
    let end: number;
    let body = bytes.subarray(0, 0);
    if (wire === 0) end = varint(bytes, next)[1];
    else if (wire === 1) end = next + 8;
    else if (wire === 5) end = next + 4;
    else if (wire === 2) {
      const [length, from] = varint(bytes, next);
      end = from + length;
      body = bytes.subarray(from, end);
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (end > bytes.length) throw new Error('truncated field');
    out.push({ no: Math.floor(tag / 8), wire, start, end, body });
    at = end;
  }
  return out;
}

const utf8 = new TextDecoder();
const strings = (body: Uint8Array, no: number) => fields(body).flatMap((f) => (f.no === no && f.wire === 2 ? [utf8.decode(f.body)] : []));

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 128)) out.push((value % 128) | 0x80);
  out.push(value);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `list` (the fields of `bytes`) with `dropped` left out and `replaced` given a new payload. */
function rebuild(bytes: Uint8Array, list: Field[], dropped: Set<Field>, replaced = new Map<Field, Uint8Array>()): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of list) {
    if (dropped.has(f)) continue;
    const body = replaced.get(f);
    parts.push(body ? concat([Uint8Array.from([...encodeVarint(f.no * 8 + 2), ...encodeVarint(body.length)]), body]) : bytes.subarray(f.start, f.end));
  }
  return concat(parts);
}

const GRAPH = 7; // ModelProto.graph
const NODE = 1; // GraphProto.node; NodeProto: input 1, output 2, attribute 5
const INITIALIZER = 5; // GraphProto.initializer; TensorProto.name 8
const OUTPUT = 12; // GraphProto.output; ValueInfoProto.name 1
const SUBGRAPHS = [6, 11]; // AttributeProto.g, graphs

/**
 * The model without the graph outputs named in `drop`; undefined when it cannot be pruned
 * safely (no such output, or control flow whose subgraphs may read any value).
 */
export function withoutOutputs(model: Uint8Array, drop: readonly string[]): Uint8Array | undefined {
  const top = fields(model);
  const graphField = top.find((f) => f.no === GRAPH && f.wire === 2);
  if (!graphField) return undefined;
  const graph = fields(graphField.body);
  const outputs = graph.filter((f) => f.no === OUTPUT && f.wire === 2);
  const dropped = new Set(outputs.filter((f) => drop.includes(strings(f.body, 1)[0])));
  if (dropped.size === 0) return undefined;
  const live = new Set(outputs.filter((f) => !dropped.has(f)).map((f) => strings(f.body, 1)[0]));
  const nodes = graph.filter((f) => f.no === NODE && f.wire === 2);
  // Nodes are in topological order (ONNX requires it): walking back, a node is needed when a needed value comes from it.
  for (const node of [...nodes].reverse()) {
    const parts = fields(node.body);
    const attributes = parts.filter((f) => f.no === 5 && f.wire === 2);
    if (attributes.some((a) => fields(a.body).some((f) => SUBGRAPHS.includes(f.no)))) return undefined;
    if (strings(node.body, 2).some((name) => live.has(name))) strings(node.body, 1).forEach((name) => live.add(name));
    else dropped.add(node);
  }
  for (const init of graph.filter((f) => f.no === INITIALIZER && f.wire === 2)) if (!live.has(strings(init.body, 8)[0])) dropped.add(init);
  return rebuild(model, top, new Set(), new Map([[graphField, rebuild(graphField.body, graph, dropped)]]));
}
