import { uniqueName } from '../steward';
import { administrators, input, row, type Row, signedIn } from './expectations';
import type { MatrixFixtures } from './fixtures';

/** The read-only built-in Password Reset Remote Unix (services/scripts/built-in-scripts.ts). */
const BUILT_IN_SCRIPT_ID = '5c1b0000-0000-4000-8000-000000000001';

const CONTENT = { interpreter: 'SH', body: 'echo "$GREETING"', parameters: [{ name: 'GREETING', type: 'STRING', defaultValue: 'hello' }] };

/** A curated script of the row's own, so an allowed call changes nothing the others use. */
async function newScript(fixtures: MatrixFixtures): Promise<{ id: string; version: number }> {
  const created = await fixtures.ok<any>('mutation ($input: CreateScriptInput!) { createScript(input: $input) { script { id version } } }', {
    input: { ...CONTENT, name: uniqueName('script'), kind: 'COMMAND' },
  });
  return created.script;
}

export const SCRIPT_LIBRARY_QUERY_ROWS: Record<string, Row> = {
  scripts: row(signedIn),
  script: row(signedIn, () => ({ id: BUILT_IN_SCRIPT_ID })),
};

// Refused calls aim at the built-in, which no call may change anyway.
export const SCRIPT_LIBRARY_MUTATION_ROWS: Record<string, Row> = {
  createScript: input(administrators, () => ({ ...CONTENT, name: uniqueName('script'), kind: 'COMMAND' })),
  updateScript: input(administrators, async (fx, _profile, allowed) => {
    const script = allowed ? await newScript(fx) : { id: BUILT_IN_SCRIPT_ID, version: 1 };
    return { ...CONTENT, scriptId: script.id, version: script.version, name: uniqueName('edited'), body: 'echo edited' };
  }),
  duplicateScript: input(administrators, () => ({ scriptId: BUILT_IN_SCRIPT_ID, name: uniqueName('copy') })),
  deleteScript: input(administrators, async (fx, _profile, allowed) => ({ scriptId: allowed ? (await newScript(fx)).id : BUILT_IN_SCRIPT_ID })),
};
