/** What the benchmarks share: settings from the command line, a Steward stack's job state, custom command tasks. */
import { eventually, type StewardStack, uniqueName } from '../../test/harness/steward';

export function setting(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return value;
}

/** A stack and an administrator's token on it. */
export interface BenchStack {
  stack: StewardStack;
  token: string;
}

async function gql<T = any>({ stack, token }: BenchStack, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await stack.graphql<T>(query, variables, token);
  if (!result.data || result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data;
}
export { gql };

/** How often a benchmark looks at Job History while it waits: often enough to resolve tens of milliseconds. */
export const POLL_MS = 20;

export async function jobState(bench: BenchStack, jobId: string): Promise<string> {
  return (await gql<{ job: { state: string } }>(bench, 'query ($id: ID!) { job(id: $id) { state } }', { id: jobId })).job.state;
}

/** Milliseconds from `startedAt` until Job History shows the job in one of `states`. */
export async function untilState(bench: BenchStack, jobId: string, states: readonly string[], startedAt: number): Promise<number> {
  const state = await eventually(async () => {
    const current = await jobState(bench, jobId);
    return states.includes(current) || ['ERROR', 'CANCELLED'].includes(current) ? current : undefined;
  }, 120_000, `job ${jobId} to reach ${states.join(' or ')}`, POLL_MS);
  if (!states.includes(state)) throw new Error(`job ${jobId} ended ${state}, not ${states.join(' or ')}`);
  return Date.now() - startedAt;
}

/** Adds an On Demand Custom Command task to the record's type. */
export async function addCustomCommand(bench: BenchStack, recordId: string, command: string, policyEvents = ['ON_DEMAND']): Promise<string> {
  const { record } = await gql(bench, 'query ($id: ID!) { record(id: $id) { recordType { id } } }', { id: recordId });
  const added = await gql(bench, 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }', {
    input: { recordTypeId: record.recordType.id, task: { name: uniqueName('bench'), script: 'CUSTOM_COMMAND', policyEvents, scriptParameters: { command } } },
  });
  return added.addRecordTypeTask.task.id;
}
