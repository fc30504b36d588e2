import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { stewardDataConverter } from '../temporal/data-converter';
import { TEST_MASTER_KEY, testEnvironment } from './harness/test-env';

/**
 * Recorded job histories (from `RECORD_HISTORIES=<name> npm test -- test/rotation.e2e.test.ts`, or
 * keyless-node.e2e for a rotation with dependencies rolled back and a client task, both through a
 * keyless node, the lock asked for by update) must replay
 * against today's workflow code: a change that breaks determinism for running jobs fails here.
 * Such a change needs `patched()`.
 *
 * resource-lock-started-as-account-lock.json is a lock workflow started under its old type name
 * `accountLock`, its first tasks run by the code before the rename and the rest after it: it fails
 * here if the `accountLock` alias goes from workflows/index.ts while such locks may still run.
 */
const historiesDir = path.join(__dirname, 'histories');
const histories = readdirSync(historiesDir).filter((file) => file.endsWith('.json'));

describe('replaying recorded workflow histories', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories)('%s replays deterministically', async (file) => {
    const history = JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
    await expect(
      Worker.runReplayHistory(
        {
          workflowBundle: { codePath: testEnvironment().workflowBundlePath },
          dataConverter: stewardDataConverter(Buffer.from(TEST_MASTER_KEY, 'base64')),
        },
        history,
        `replay-${file}`,
      ),
    ).resolves.toBeUndefined();
  });
});
