import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, getVariableValues, type OperationDefinitionNode, parse } from 'graphql';
import { buildStewardSchema } from '../../api/schema';
import { unstorableText } from '../../api/storable-text';
import { mutationCases } from '../harness/fuzz/mutation-cases';

const committed = buildSchema(readFileSync(path.join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
const options = { casesPerMutation: 30, hugeStringLength: 200_000, knownId: () => undefined };

describe('the mutation fuzzer (test/harness/fuzz)', () => {
  it('repeats its cases from a seed, and a mutation’s cases do not depend on the others', () => {
    const first = mutationCases(committed, { ...options, seed: 7 });
    expect(mutationCases(committed, { ...options, seed: 7 })).toEqual(first);
    expect(mutationCases(committed, { ...options, seed: 8 })).not.toEqual(first);
    const loginOnly = buildSchema('type Query { x: Int } input LoginInput { password: String!, username: String! } type LoginPayload { token: String! } type Mutation { login(input: LoginInput!): LoginPayload! }');
    expect(mutationCases(loginOnly, { ...options, seed: 7 })).toEqual(first.filter((fuzzCase) => fuzzCase.mutation === 'login'));
  });

  it('breaks what GraphQL checks where it means GraphQL to refuse, and passes GraphQL where the product must refuse', async () => {
    // The server's own scalars (DateTimeISO, JSONObject), which the committed SDL only names.
    const server = await buildStewardSchema();
    const cases = mutationCases(committed, { ...options, seed: 11 });
    const wrong = cases.filter((fuzzCase) => {
      const operation = parse(fuzzCase.query).definitions[0] as OperationDefinitionNode;
      const refusedByGraphql = Boolean(getVariableValues(server, operation.variableDefinitions ?? [], fuzzCase.variables).errors);
      return refusedByGraphql !== (fuzzCase.refusedBy === 'graphql');
    });
    expect(wrong.map((fuzzCase) => `${fuzzCase.mutation}: ${fuzzCase.description} (${fuzzCase.refusedBy})`)).toEqual([]);
    expect(cases.filter((fuzzCase) => fuzzCase.refusedBy === 'product').length).toBeGreaterThan(cases.length / 3);
  });
});

describe('text no field can store (api/storable-text.ts)', () => {
  const document = parse('mutation ($input: LoginInput!) { login(input: $input) { token } }');

  it('finds NUL and lone surrogates in variables, nested values and keys, and in string literals', () => {
    expect(unstorableText(document, { input: { username: 'a\u0000b' } })).toBe('Variable $input.username');
    expect(unstorableText(document, { input: { tags: ['ok', 'x\ud800'] } })).toBe('Variable $input.tags.1');
    expect(unstorableText(document, { input: { ['\udfff']: 'value' } })).toBe('Variable $input.\udfff');
    expect(unstorableText(parse('mutation { login(input: { username: "a\\u0000b", password: "p" }) { token } }'), {})).toBe('A string in the query (line 1)');
  });

  it('lets through whole surrogate pairs, control characters other than NUL, and other Unicode', () => {
    expect(unstorableText(document, { input: { username: '😀 e\u0301 \u202e \t\n', password: 'Ω' } })).toBeUndefined();
  });
});
