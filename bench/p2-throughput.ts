/**
 * P2: throughput. N On Demand Custom Command `true` jobs spread over M records (one sshd account
 * each), against the baseline: N bare Temporal workflows, each one activity doing the same SSH exec
 * on one of M other accounts, at most M at a time (Steward's account lock lets one job per
 * account run at once). The baseline runs in a worker of its own, on its own task queue, on the
 * same Temporal server and sshd. Jobs per second, from the first request to the last completion.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { forEachAtMost } from '../lib/concurrency';
import { generatePassword } from '../services/vault/password-policy';
import { createTestUser } from '../test/harness/sshd';
import { eventually } from '../test/harness/steward';
import { testEnvironment } from '../test/harness/test-env';
import { createRotatableRecord, type RotatableRecord, runOnDemand, sshTarget } from '../test/harness/vault-fixtures';
import { createBareSshActivities } from './harness/bare-ssh-activities';
import { addCustomCommand, type BenchStack } from './harness/fixtures';
import { type BenchRow, latencies } from './harness/results';

const TARGET = 0.8;
const TASK_QUEUE = 'steward.bench-bare-ssh';
const FINISHED = ['COMPLETED', 'ERROR', 'CANCELLED'];

async function stewardJobsPerSecond(bench: BenchStack, jobs: number, accounts: number): Promise<{ perSecond: number; failed: number; mutationMs: number[] }> {
  const records: RotatableRecord[] = [];
  try {
    for (let i = 0; i < accounts; i++) records.push(await createRotatableRecord(bench.stack, bench.token, { script: 'VERIFY_PASSWORD' }));
    const tasks = await Promise.all(records.map((record) => addCustomCommand(bench, record.recordId, 'true')));
    const jobIds: string[] = [];
    const mutationMs: number[] = [];
    const startedAt = Date.now();
    await forEachAtMost(
      Array.from({ length: jobs }, (_, index) => index % accounts),
      accounts,
      async (account) => {
        const sentAt = Date.now();
        jobIds.push((await runOnDemand(bench.stack, bench.token, records[account]!.recordId, tasks[account]!)).id);
        mutationMs.push(Date.now() - sentAt);
      },
    );
    const em = bench.stack.orm.em.fork();
    const count = async (states: string[]) =>
      Number((await em.execute<{ n: string }[]>('select count(*) n from jobs where id in (?) and state in (?)', [jobIds, states]))[0]!.n);
    await eventually(async () => ((await count(FINISHED)) === jobs ? true : undefined), 30 * 60_000, `${jobs} jobs to finish`, 100);
    const elapsed = Date.now() - startedAt;
    return { perSecond: (jobs * 1000) / elapsed, failed: jobs - (await count(['COMPLETED'])), mutationMs };
  } finally {
    await Promise.all(records.map((record) => record.removeUser()));
  }
}

async function bareJobsPerSecond(jobs: number, accounts: number): Promise<number> {
  const users = await Promise.all(
    Array.from({ length: accounts }, async () => {
      const password = generatePassword();
      return { password, user: await createTestUser(password) };
    }),
  );
  const connection = await NativeConnection.connect({ address: testEnvironment().temporalAddress });
  try {
    const worker = await Worker.create({
      connection,
      namespace: testEnvironment().temporalNamespace,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./harness/bare-ssh-workflow'),
      activities: createBareSshActivities(users.map(({ user, password }) => sshTarget(user.username, password))),
    });
    return await worker.runUntil(async () => {
      const client = new Client({ connection: await Connection.connect({ address: testEnvironment().temporalAddress }), namespace: testEnvironment().temporalNamespace });
      try {
        const run = (account: number) => client.workflow.execute('bareSshExec', { taskQueue: TASK_QUEUE, workflowId: `bench-bare-${randomUUID()}`, args: [{ account, command: 'true' }] });
        await run(0); // warm: the worker's first workflow task loads the bundle
        const startedAt = Date.now();
        await forEachAtMost(Array.from({ length: jobs }, (_, index) => index % accounts), accounts, async (account) => {
          await run(account);
        });
        return (jobs * 1000) / (Date.now() - startedAt);
      } finally {
        await client.connection.close();
      }
    });
  } finally {
    await connection.close();
    await Promise.all(users.map(({ user }) => user.remove()));
  }
}

export async function runP2(bench: BenchStack, jobs: number, accounts: number): Promise<BenchRow[]> {
  const bare = await bareJobsPerSecond(jobs, accounts);
  const steward = await stewardJobsPerSecond(bench, jobs, accounts);
  const ratio = steward.perSecond / bare;
  return [
    {
      id: 'P2',
      what: `throughput: ${jobs} Custom Command \`true\` jobs over ${accounts} sshd accounts (baseline: bare Temporal workflows, one SSH exec each, same concurrency)`,
      steward: `${steward.perSecond.toFixed(1)} jobs/s${steward.failed ? ` (${steward.failed} not Completed)` : ''}; runOnDemandTask under load ${latencies(steward.mutationMs)}`,
      baseline: `${bare.toFixed(1)} jobs/s`,
      ratio,
      target: `≥ ${TARGET}×`,
      met: ratio >= TARGET && steward.failed === 0,
      samples: { stewardJobsPerSecond: steward.perSecond, bareJobsPerSecond: bare, failed: steward.failed, mutationMs: steward.mutationMs },
    },
  ];
}
