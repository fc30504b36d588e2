/** Writes schema.graphql from the code-first schema: npm run schema:emit */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildStewardSchema, printStewardSchema } from '../api/schema';

buildStewardSchema()
  .then((schema) => {
    writeFileSync(path.resolve(__dirname, '..', 'schema.graphql'), printStewardSchema(schema));
    console.log('wrote schema.graphql');
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
