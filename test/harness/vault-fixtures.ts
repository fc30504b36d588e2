import { readFileSync } from 'node:fs';
import { isGrpcServiceError, type WorkflowHandle } from '@temporalio/client';
import { generatePassword } from '../../services/vault/password-policy';
import { createTestUser } from './sshd';
import { eventually, type StewardStack, uniqueName } from './steward';
import { testEnvironment } from './test-env';

export const JOB_FIELDS = `
  id workflowId state type nodeName taskName scheduledFor startedAt finishedAt result
  details { exitCode output }
  events { kind at message }
  record { id name }
`;

export interface RotatableRecord {
  recordId: string;
  taskId: string;
  username: string;
  initialPassword: string;
  removeUser(): Promise<void>;
}

/** A real account on the test sshd, and a record (of a new type with an On Demand reset task) that holds it. */
export async function createRotatableRecord(
  stack: StewardStack,
  token: string,
  overrides: { hostKeyFingerprint?: string; executionNode?: string; script?: string; scriptParameters?: Record<string, unknown>; policyEvents?: string[]; schedule?: Record<string, unknown> } = {},
): Promise<RotatableRecord> {
  const initialPassword = generatePassword();
  const account = await createTestUser(initialPassword);
  const type = await createRecordType(stack, token, [
    {
      name: 'Rotate password',
      script: overrides.script ?? 'PASSWORD_RESET_REMOTE_UNIX',
      policyEvents: overrides.policyEvents ?? ['ON_DEMAND'],
      executionNode: overrides.executionNode ?? 'local',
      ...(overrides.schedule ? { schedule: overrides.schedule } : {}),
      ...(overrides.scriptParameters ? { scriptParameters: overrides.scriptParameters } : {}),
    },
  ]);
  const recordId = await createRecordOf(stack, token, type.id, account.username, initialPassword, overrides.hostKeyFingerprint);
  return { recordId, taskId: type.tasks[0]!.id, username: account.username, initialPassword, removeUser: account.remove };
}

/** A uid-0 account on the test sshd, and a record (of a new type with no tasks) that holds it: the shadow account a reset runs as. */
export async function createSuperuserRecord(stack: StewardStack, token: string): Promise<Omit<RotatableRecord, 'taskId'>> {
  const initialPassword = generatePassword();
  const account = await createTestUser(initialPassword, { superuser: true });
  const type = await createRecordType(stack, token, []);
  const recordId = await createRecordOf(stack, token, type.id, account.username, initialPassword);
  return { recordId, username: account.username, initialPassword, removeUser: account.remove };
}

async function createRecordType(stack: StewardStack, token: string, tasks: Record<string, unknown>[]): Promise<{ id: string; tasks: { id: string }[] }> {
  const type = await stack.graphql<{ createRecordType: { recordType: { id: string; tasks: { id: string }[] } } }>(
    `mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id tasks { id } } } }`,
    { input: { name: uniqueName('linux'), tasks } },
    token,
  );
  if (!type.data) throw new Error(JSON.stringify(type.errors));
  return type.data.createRecordType.recordType;
}

/** A record on the test sshd (its time zone Berlin), holding the account. */
async function createRecordOf(stack: StewardStack, token: string, recordTypeId: string, username: string, password: string, hostKeyFingerprint?: string): Promise<string> {
  const env = testEnvironment();
  const record = await stack.graphql<{ createRecord: { record: { id: string } } }>(
    `mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }`,
    {
      input: {
        recordTypeId,
        name: uniqueName(username),
        host: env.sshdHost,
        port: env.sshdPort,
        username,
        password,
        hostKeyFingerprint: hostKeyFingerprint ?? env.sshdFingerprint,
        timeZone: 'Europe/Berlin',
      },
    },
    token,
  );
  if (!record.data) throw new Error(JSON.stringify(record.errors));
  return record.data.createRecord.record.id;
}

export async function runOnDemand(stack: StewardStack, token: string, recordId: string, taskId: string) {
  const result = await stack.graphql<{ runOnDemandTask: { job: { id: string; state: string; workflowId: string } } }>(
    `mutation ($input: RunOnDemandTaskInput!) { runOnDemandTask(input: $input) { job { id state workflowId } } }`,
    { input: { recordId, taskId } },
    token,
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.runOnDemandTask.job;
}

export async function unlock(stack: StewardStack, token: string, recordId: string): Promise<string> {
  const result = await stack.graphql<{ unlockRecord: { password: string } }>(
    `mutation ($input: UnlockRecordInput!) { unlockRecord(input: $input) { password } }`,
    { input: { recordId, reason: 'test' } },
    token,
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.unlockRecord.password;
}

export function sshTarget(username: string, password: string, hostKeyFingerprint?: string) {
  const env = testEnvironment();
  return { host: env.sshdHost, port: env.sshdPort, username, password, hostKeyFingerprint: hostKeyFingerprint ?? env.sshdFingerprint };
}

export async function getJob(stack: StewardStack, token: string, id: string): Promise<any> {
  const result = await stack.graphql<{ job: any }>(`query ($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id }, token);
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.job;
}

/** Polls Job History until the job reaches a final state. */
export async function finishedJob(stack: StewardStack, token: string, id: string, timeoutMs = 90_000): Promise<any> {
  return eventually(async () => {
    const job = await getJob(stack, token, id);
    return ['COMPLETED', 'ERROR', 'CANCELLED'].includes(job.state) ? job : undefined;
  }, timeoutMs, `job ${id} to finish`);
}

export async function scheduleRun(stack: StewardStack, token: string, recordId: string, taskId: string, runAt: Date) {
  const result = await stack.graphql<{ scheduleTaskRun: { job: { id: string; state: string; workflowId: string } } }>(
    `mutation ($input: ScheduleTaskRunInput!) { scheduleTaskRun(input: $input) { job { id state workflowId } } }`,
    { input: { recordId, taskId, runAt: runAt.toISOString() } },
    token,
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.scheduleTaskRun.job;
}

/** Where the test sshd's log ends now, so a test can read only what came after. */
export function sshdLogOffset(): number {
  return readFileSync(testEnvironment().sshdLogFile, 'utf8').length;
}

/** How many logins of the account the host refused since the offset: sshd logs each one. */
export function failedLoginsSince(username: string, offset: number): number {
  const log = readFileSync(testEnvironment().sshdLogFile, 'utf8').slice(offset);
  return log.split('\n').filter((line) => line.includes(`Failed password for ${username} `)).length;
}

const GRPC_NOT_FOUND = 5;

/**
 * Resolves once the job's workflow sleeps on its durable timer: it has read its plan, and waits for
 * its time. The workflow may not exist yet: the mutation answers once its start is committed, and
 * the engine outbox may still be delivering it.
 */
export async function waitingOnTimer(handle: WorkflowHandle, timeoutMs = 30_000): Promise<void> {
  // fetchHistory calls the service itself: a workflow not started yet is the service's NOT_FOUND, not WorkflowNotFoundError.
  const notStartedYet = (error: unknown) => isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND;
  await eventually(async () => {
    const history = await handle.fetchHistory().catch((error: unknown) => (notStartedYet(error) ? undefined : Promise.reject(error)));
    return history?.events?.some((event) => event.timerStartedEventAttributes) ? true : undefined;
  }, timeoutMs, `${handle.workflowId} to wait on its timer`);
}
