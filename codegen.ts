/**
 * GraphQL Code Generator: typed documents for every operation in operations/, checked against
 * the committed schema.graphql. `npm run codegen` writes them into generated/ (git-ignored);
 * docs/typed-client.md tells a frontend team how to use them.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'generated/': {
      preset: 'client',
      config: {
        // Steward's scalars as they arrive over JSON (not `Record<…>`: the schema has a type named Record).
        scalars: { DateTimeISO: 'string', JSONObject: '{ [key: string]: unknown }', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
