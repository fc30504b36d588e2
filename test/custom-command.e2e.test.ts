import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ADMIN_ROLES, type StewardStack, startStewardStack } from './harness/steward';
import { createRotatableRecord, finishedJob, type RotatableRecord, runOnDemand, unlock } from './harness/vault-fixtures';

const RECORD = `query ($id: ID!) { record(id: $id) { recordType { id } } }`;
const ADD_TASK = `mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id version scriptParameters { command parameters { name value } } } } }`;
const EDIT = `mutation ($input: EditTaskScriptInput!) { editTaskScript(input: $input) { task { version scriptParameters { command } } } }`;
const HOSTILE = `; rm -rf ~ $(id) 'quoted' "double" \`uname\``;

describe('the script library: custom commands and Edit Script', () => {
  let stack: StewardStack;
  let token: string;
  let record: RotatableRecord;
  let recordTypeId: string;

  async function addTask(task: Record<string, unknown>) {
    return stack.graphql<any>(ADD_TASK, { input: { recordTypeId, task: { policyEvents: ['ON_DEMAND'], ...task } } }, token);
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    token = await stack.signIn(ADMIN_ROLES);
    record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
    recordTypeId = (await stack.graphql<any>(RECORD, { id: record.recordId }, token)).data.record.recordType.id;
  });

  afterAll(async () => {
    await record?.removeUser();
    await stack?.stop();
  });

  it('runs the command on the host with its parameters as data, never as shell syntax', async () => {
    const added = await addTask({
      name: 'Write a marker',
      script: 'CUSTOM_COMMAND',
      scriptParameters: { command: 'printf "%s|%s" "$TARGET" "$STEWARD_ACCOUNT" > ~/marker && cat ~/marker', parameters: [{ name: 'TARGET', value: HOSTILE }] },
    });
    expect(added.errors).toBeUndefined();
    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, added.data.addRecordTypeTask.task.id)).id);
    expect(job.state).toBe('COMPLETED');
    expect(job.details).toEqual({ exitCode: 0, output: `${HOSTILE}|${record.username}` });
    // The effect on the host: the file holds the literal value, and the home directory survived.
    const home = execFileSync('getent', ['passwd', record.username], { encoding: 'utf8' }).split(':')[5]!;
    expect(readFileSync(`${home}/marker`, 'utf8')).toBe(`${HOSTILE}|${record.username}`);
  });

  it('Edit Script changes what the next run does; a stale version is refused', async () => {
    const added = await addTask({ name: 'Say hello', script: 'CUSTOM_COMMAND', scriptParameters: { command: 'echo hello' } });
    const task = added.data.addRecordTypeTask.task;
    const edited = await stack.graphql<any>(EDIT, { input: { taskId: task.id, version: task.version, scriptParameters: { command: 'echo goodbye; exit 3' } } }, token);
    expect(edited.data.editTaskScript.task.scriptParameters.command).toBe('echo goodbye; exit 3');
    const stale = await stack.graphql(EDIT, { input: { taskId: task.id, version: task.version, scriptParameters: { command: 'echo again' } } }, token);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const job = await finishedJob(stack, token, (await runOnDemand(stack, token, record.recordId, task.id)).id);
    expect(job.state).toBe('ERROR');
    expect(job.details).toEqual({ exitCode: 3, output: 'goodbye' });
    expect(job.result).toContain('exited with code 3');
  });

  it('refuses script settings that do not fit the script', async () => {
    for (const [task, field] of [
      [{ name: 'No command', script: 'CUSTOM_COMMAND' }, 'command'],
      [{ name: 'Command on a reset', script: 'PASSWORD_RESET_REMOTE_UNIX', scriptParameters: { command: 'id' } }, 'command'],
      [{ name: 'Bad name', script: 'CUSTOM_COMMAND', scriptParameters: { command: 'id', parameters: [{ name: 'A-B', value: 'x' }] } }, 'cannot be a parameter name'],
      [{ name: 'Reserved', script: 'CUSTOM_COMMAND', scriptParameters: { command: 'id', parameters: [{ name: 'PATH', value: '/tmp' }] } }, 'cannot be a parameter name'],
      [{ name: 'Short', script: 'PASSWORD_RESET_REMOTE_UNIX', scriptParameters: { passwordLength: 8 } }, 'passwordLength'],
    ] as const) {
      const result = await addTask(task);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain(field);
    }
  });

  it('a password reset generates a password of the length its script settings ask for', async () => {
    const rotating = await createRotatableRecord(stack, token);
    try {
      const type = (await stack.graphql<any>(RECORD, { id: rotating.recordId }, token)).data.record.recordType.id;
      const added = await stack.graphql<any>(ADD_TASK, { input: { recordTypeId: type, task: { name: 'Long', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], scriptParameters: { passwordLength: 40 } } } }, token);
      const job = await finishedJob(stack, token, (await runOnDemand(stack, token, rotating.recordId, added.data.addRecordTypeTask.task.id)).id);
      expect(job.state).toBe('COMPLETED');
      expect(await unlock(stack, token, rotating.recordId)).toHaveLength(40);
    } finally {
      await rotating.removeUser();
    }
  });
});
