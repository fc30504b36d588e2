import { canLogin } from '../infra/ssh';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

describe('no two jobs change one account at once', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token);
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('queues the later rotation behind the earlier one, says why in Job History, and both succeed', async () => {
    const queued = await Promise.all([1, 2, 3].map(() => runOnDemand(stack, token, record.recordId, record.taskId)));
    const jobs = await Promise.all(queued.map((job) => finishedJob(stack, token, job.id, 120_000)));
    expect(jobs.map((job) => job.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);

    // Their running times never overlap.
    const intervals = jobs
      .map((job) => ({ id: job.id, start: Date.parse(job.startedAt), end: Date.parse(job.finishedAt) }))
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);

    // The ones that waited say whom they waited for.
    const waitMessages = jobs.flatMap((job) => job.events.map((event: { message: string }) => event.message)).filter((message: string) => message.startsWith('Waiting for job-'));
    expect(waitMessages.length).toBeGreaterThanOrEqual(1);
    expect(waitMessages[0]).toContain(`${record.username}@`);

    // Three rotations, three retired passwords, and the vault's password works.
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>('select count(*) from password_history where record_id = ?', [record.recordId]);
    expect(Number(row!.count)).toBe(3);
    await expect(canLogin(sshTarget(record.username, await unlock(stack, token, record.recordId)))).resolves.toBe(true);
  });
});
