/**
 * Every example operation (operations/**.graphql) and every ```graphql block of README.md and
 * docs/*.md is valid against the committed schema.graphql, and the typed-client codegen works on
 * the operations. No server: graphql-js alone. A block that is deliberately not an operation
 * (SDL, or a fragment of one) is fenced ```graphql-sdl and skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, type GraphQLSchema, parse, validate } from 'graphql';
import codegenConfig from '../codegen';

const ROOT = path.resolve(__dirname, '..');

function filesUnder(directory: string, extension: string): string[] {
  return readdirSync(path.join(ROOT, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(extension))
    .map((file) => path.join(directory, file))
    .sort();
}

/** The ```graphql blocks of a Markdown file, with the line each starts on. */
function graphqlBlocks(file: string): { where: string; source: string }[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^```graphql\n([\s\S]*?)^```/gm)].map((match) => ({
    where: `${file}:${text.slice(0, match.index).split('\n').length}`,
    source: match[1]!,
  }));
}

function problems(schema: GraphQLSchema, source: string): string[] {
  try {
    return validate(schema, parse(source)).map((error) => error.message);
  } catch (error) {
    return [(error as Error).message];
  }
}

describe('example operations and documentation blocks', () => {
  const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'));
  const operationFiles = filesUnder('operations', '.graphql');
  const markdownFiles = ['README.md', ...filesUnder('docs', '.md')];

  it('finds the operations and the documentation to check', () => {
    expect(operationFiles).toEqual(expect.arrayContaining(['operations/screens/JobHistory.graphql', 'operations/walkthrough/Login.graphql']));
    expect(graphqlBlocks('README.md').length).toBeGreaterThan(0);
  });

  it.each(operationFiles)('%s is valid against schema.graphql', (file) => {
    expect(problems(schema, readFileSync(path.join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('every ```graphql block of README.md and docs/ is valid against schema.graphql', () => {
    const failures = markdownFiles.flatMap(graphqlBlocks).flatMap(({ where, source }) => problems(schema, source).map((message) => `${where}: ${message}`));
    expect(failures).toEqual([]);
  });

  it('generates a typed document for every operation (npm run codegen, in memory)', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: ROOT, silent: true }, false)) as { filename: string; content: string }[];
    const graphqlTs = outputs.find((output) => output.filename.endsWith('graphql.ts'))?.content ?? '';
    for (const file of operationFiles) {
      const name = path.basename(file, '.graphql');
      expect(graphqlTs).toContain(`export const ${name}Document = `);
    }
  }, 60_000);
});
