import { administrators, type Row } from './expectations';
import type { MatrixFixtures } from './fixtures';

/** One valid row: an allowed call creates a record, a refused one must write nothing. */
function importInput(fixtures: MatrixFixtures): Record<string, unknown> {
  const { recordTypeId, ...record } = fixtures.recordInput();
  return { format: 'JSON', recordTypeId, content: JSON.stringify([record]) };
}

export const RECORD_IMPORT_MUTATION_ROWS: Record<string, Row> = {
  // Whoever may create records may import them.
  importRecords: { expect: administrators, call: async (_profile, fixtures) => ({ variables: { input: importInput(fixtures) } }) },
};
