import { input, productPermission, type Row } from './expectations';
import type { MatrixFixtures } from './fixtures';

/** A run that has ended: without a worker its jobs never start, so cancelling it ends them all. */
async function endedRun(fixtures: MatrixFixtures): Promise<string> {
  const runId = await fixtures.newRun();
  await fixtures.ok('mutation ($input: CancelClientRunInput!) { cancelClientRun(input: $input) { run { id } } }', { input: { runId } });
  return runId;
}

export const CLIENT_RUN_MUTATION_ROWS: Record<string, Row> = {
  // Relaunching is running the task again: whoever may run it now; a refused call aims at the shared run.
  relaunchClientRun: input(productPermission, async (fx, _profile, allowed) => ({ runId: allowed ? await endedRun(fx) : fx.runId, only: 'FAILED' })),
};
