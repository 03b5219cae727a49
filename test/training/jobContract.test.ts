// The extension's copy of the job contract against the service's: backend/job-contract.schema.json is
// written from the service's JobRequest (`python -m seglab_trainer.service.schema`; a pytest fails when it
// is stale). JobParams is read from client.ts's source with the TypeScript compiler, so a field added,
// dropped, renamed or retyped on either side fails here.
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
}
const schema = JSON.parse(readFileSync(join(root, 'backend', 'job-contract.schema.json'), 'utf8')) as {
  properties: Record<string, Property>;
  required: string[];
  definitions: { JobState: { enum: string[] } };
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

/** name -> "optional? type", as written in client.ts */
function jobParams(): Record<string, string> {
  const decl = declarations('training/client.ts').find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'JobParams');
  assert.ok(decl, 'client.ts declares interface JobParams');
  return Object.fromEntries(
    decl.members.filter(ts.isPropertySignature).map((m) => [(m.name as ts.Identifier).text, `${m.questionToken ? '?' : ''}${m.type?.getText()}`]),
  );
}

/** What JobParams must say for a schema property: optional unless required, `| null` when its default is null. */
function expected(name: string, p: Property): string {
  const nullable = !schema.required.includes(name) && !('default' in p);
  return `${schema.required.includes(name) ? '' : '?'}${TS_TYPES[p.type ?? '']}${nullable ? ' | null' : ''}`;
}

test('JobParams has exactly the fields of the service JobRequest, with the same types', () => {
  const wanted = Object.fromEntries(Object.entries(schema.properties).map(([name, p]) => [name, expected(name, p)]));
  assert.deepEqual(jobParams(), wanted);
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
