// The extension's copy of the job contract against the service's: backend/job-contract.schema.json is
// written from the service's JobRequest, PredictionRequest and PredictionRecord (`python -m
// seglab_trainer.service.schema`; a pytest fails when it is stale). JobParams, PredictionRequest and
// PredictionRecord are read from client.ts's source with the TypeScript compiler, so a field added, dropped,
// renamed or retyped on either side fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { TRAINING_STATES } from '../../src/core/miouProtocol';

const root = join(__dirname, '..', '..');
interface Property {
  type?: string;
  default?: unknown;
  enum?: string[];
  $ref?: string;
  allOf?: Property[];
  items?: Property;
}
interface ObjectSchema {
  properties: Record<string, Property>;
  required?: string[];
}
const schema = JSON.parse(readFileSync(join(root, 'backend', 'job-contract.schema.json'), 'utf8')) as ObjectSchema & {
  definitions: Record<string, ObjectSchema> & { JobState: { enum: string[] } };
};
const TS_TYPES: Record<string, string> = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean' };

function declarations(file: string): ts.Statement[] {
  const path = join(root, 'src', ...file.split('/'));
  return [...ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true).statements];
}

function typeAlias(file: string, name: string): ts.TypeNode {
  const alias = declarations(file).find((s): s is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(s) && s.name.text === name);
  assert.ok(alias, `${file} declares type ${name}`);
  return alias.type;
}

/** name -> "optional? type" of an interface's or a type literal's members, types written as tsType writes them. */
function members(nodes: ts.NodeArray<ts.TypeElement>): Record<string, string> {
  return Object.fromEntries(
    nodes.filter(ts.isPropertySignature).map((m) => [(m.name as ts.Identifier).text, `${m.questionToken ? '?' : ''}${m.type ? tsType(m.type) : ''}`]),
  );
}

/** A type as written in client.ts, in one spelling: `Array<T>` is `T[]`, a type literal lists its members. */
function tsType(node: ts.TypeNode): string {
  if (ts.isArrayTypeNode(node)) return `${tsType(node.elementType)}[]`;
  if (ts.isTypeReferenceNode(node) && node.typeName.getText() === 'Array' && node.typeArguments?.length === 1) return `${tsType(node.typeArguments[0])}[]`;
  if (ts.isUnionTypeNode(node)) return node.types.map(tsType).join(' | ');
  if (ts.isTypeLiteralNode(node)) return JSON.stringify(members(node.members));
  return node.getText();
}

function clientInterface(name: string): Record<string, string> {
  const decl = declarations('training/client.ts').find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(decl, `client.ts declares interface ${name}`);
  return members(decl.members);
}

/** What client.ts must say for a schema property's type: the job-state list is JobState, a definition its fields. */
function schemaType(p: Property): string {
  const ref = p.$ref ?? p.allOf?.[0]?.$ref;
  if (ref) return JSON.stringify(wanted(schema.definitions[ref.replace('#/definitions/', '')]));
  if (p.type === 'array' && p.items) return `${schemaType(p.items)}[]`;
  if (p.enum && JSON.stringify(p.enum) === JSON.stringify(schema.definitions.JobState.enum)) return 'JobState';
  return TS_TYPES[p.type ?? ''] ?? `(schema type ${p.type})`;
}

/** The members client.ts must declare for a schema object: optional unless required, `| null` when its default is null. */
function wanted(object: ObjectSchema): Record<string, string> {
  const required = object.required ?? [];
  return Object.fromEntries(
    Object.entries(object.properties).map(([name, p]) => {
      const nullable = !required.includes(name) && !('default' in p);
      return [name, `${required.includes(name) ? '' : '?'}${schemaType(p)}${nullable ? ' | null' : ''}`];
    }),
  );
}

test('JobParams has exactly the fields of the service JobRequest, with the same types', () => {
  assert.deepEqual(clientInterface('JobParams'), wanted(schema));
});

test('PredictionRequest has exactly the fields of the service PredictionRequest, with the same types', () => {
  assert.deepEqual(clientInterface('PredictionRequest'), wanted(schema.definitions.PredictionRequest));
});

test('PredictionRecord has exactly the fields of the service PredictionRecord the extension reads, with the same types', () => {
  assert.deepEqual(clientInterface('PredictionRecord'), wanted(schema.definitions.PredictionRecord));
});

test('the job states are the service states, in one list', () => {
  assert.deepEqual([...TRAINING_STATES], schema.definitions.JobState.enum);
  const union = typeAlias('core/miouProtocol.ts', 'TrainingState');
  assert.ok(ts.isUnionTypeNode(union));
  assert.deepEqual(
    union.types.map((t) => t.getText().replace(/'/g, '')),
    schema.definitions.JobState.enum,
  );
  assert.equal(typeAlias('training/client.ts', 'JobState').getText(), 'TrainingState');
});
