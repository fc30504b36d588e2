import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildStewardSchema, printStewardSchema } from '../api/schema';

describe('schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema:emit` after changing the API)', async () => {
    const committed = readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(printStewardSchema(await buildStewardSchema())).toBe(committed);
  });
});
