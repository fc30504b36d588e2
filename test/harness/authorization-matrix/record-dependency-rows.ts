import { RecordPermission } from '../../../lib/enums';
import { uniqueName } from '../steward';
import { testEnvironment } from '../test-env';
import { input, recordPermission, type Row } from './expectations';
import type { MatrixFixtures } from './fixtures';

/** A dependency on the fixture record reached with its own account, on its own host and key, so Edit on it is all a call needs. */
function dependencyInput(fixtures: MatrixFixtures): Record<string, unknown> {
  return {
    recordId: fixtures.record.id,
    name: uniqueName('dependency'),
    host: '10.0.0.7',
    port: 22,
    hostKeyFingerprint: testEnvironment().sshdFingerprint,
    accountRecordId: fixtures.record.id,
    command: 'cat > /dev/null',
  };
}

async function newDependency(fixtures: MatrixFixtures): Promise<{ id: string; version: number }> {
  const added = await fixtures.ok<any>('mutation ($input: AddRecordDependencyInput!) { addRecordDependency(input: $input) { dependency { id version } } }', {
    input: dependencyInput(fixtures),
  });
  return added.dependency;
}

/** The one dependency refused calls aim at (and must leave as it is), made on first use. */
const shared = new WeakMap<MatrixFixtures, Promise<{ id: string; version: number }>>();
function sharedDependency(fixtures: MatrixFixtures): Promise<{ id: string; version: number }> {
  if (!shared.has(fixtures)) shared.set(fixtures, newDependency(fixtures));
  return shared.get(fixtures)!;
}

const target = (fixtures: MatrixFixtures, allowed: boolean) => (allowed ? newDependency(fixtures) : sharedDependency(fixtures));

export const RECORD_DEPENDENCY_MUTATION_ROWS: Record<string, Row> = {
  // A dependency receives the record's password, so it takes Edit, as pointing the record elsewhere does.
  addRecordDependency: input(recordPermission(RecordPermission.EDIT), (fx) => dependencyInput(fx)),
  updateRecordDependency: input(recordPermission(RecordPermission.EDIT), async (fx, _profile, allowed) => {
    const dependency = await target(fx, allowed);
    return { dependencyId: dependency.id, version: dependency.version, command: 'cat > /dev/null; true' };
  }),
  removeRecordDependency: input(recordPermission(RecordPermission.EDIT), async (fx, _profile, allowed) => ({ dependencyId: (await target(fx, allowed)).id })),
};
