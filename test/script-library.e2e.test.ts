import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { AuditEvent, AuditOutcome } from '../db/entities';
import { Role } from '../lib/enums';
import { canLogin } from '../infra/ssh';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { createRotatableRecord, createSuperuserRecord, finishedJob, type RotatableRecord, runOnDemand, sshTarget, unlock } from './harness/vault-fixtures';

const SCRIPT_FIELDS = 'id name kind interpreter body version builtIn builtInKey parameters { name type defaultValue } versions { version body }';
const CREATE = `mutation ($input: CreateScriptInput!) { createScript(input: $input) { script { ${SCRIPT_FIELDS} } } }`;
const UPDATE = `mutation ($input: UpdateScriptInput!) { updateScript(input: $input) { script { ${SCRIPT_FIELDS} } } }`;
const DUPLICATE = `mutation ($input: DuplicateScriptInput!) { duplicateScript(input: $input) { script { ${SCRIPT_FIELDS} } } }`;
const DELETE = `mutation ($input: ScriptRefInput!) { deleteScript(input: $input) { id } }`;
const SCRIPTS = `query ($filter: ScriptFilterInput, $first: Int, $after: String) { scripts(filter: $filter, first: $first, after: $after) { totalCount edges { node { ${SCRIPT_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
const USED_BY = `query ($id: ID!) { script(id: $id) { usedBy { task { id name } recordTypeId recordId } } }`;
const RECORD = `query ($id: ID!) { record(id: $id) { recordType { id } } }`;
const ADD_TASK = `mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id libraryScript { id name } } } }`;
const JOB = `query ($id: ID!) { job(id: $id) { state scriptName scriptVersion events { kind message } details { output } } }`;

describe('the Script Library', () => {
  let stack: StewardStack;
  let admin: string;
  let operator: string;
  const cleanups: (() => Promise<void>)[] = [];

  async function ok<T = any>(query: string, variables: Record<string, unknown>, token = admin): Promise<T> {
    const result = await stack.graphql<T>(query, variables, token);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    return result.data;
  }

  async function createScript(input: Record<string, unknown>) {
    return (await ok<any>(CREATE, { input: { name: uniqueName('script'), parameters: [], ...input } })).createScript.script;
  }

  async function addTask(recordId: string, task: Record<string, unknown>): Promise<string> {
    const recordTypeId = (await ok<any>(RECORD, { id: recordId })).record.recordType.id;
    return (await ok<any>(ADD_TASK, { input: { recordTypeId, task: { policyEvents: ['ON_DEMAND'], ...task } } })).addRecordTypeTask.task.id;
  }

  async function track(record: RotatableRecord): Promise<RotatableRecord> {
    cleanups.push(record.removeUser);
    return record;
  }

  /** A record holding a uid-0 account on the test host: the shadow account a reset script runs as. */
  async function superuserRecord(): Promise<string> {
    const record = await createSuperuserRecord(stack, admin);
    cleanups.push(record.removeUser);
    return record.recordId;
  }

  beforeAll(async () => {
    stack = await startStewardStack();
    admin = await stack.signIn(ADMIN_ROLES);
    operator = await stack.signIn([Role.OPERATOR]);
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await stack?.stop();
  });

  it('lists the four built-ins read-only; a duplicate of one is editable', async () => {
    const builtIns = (await ok<any>(SCRIPTS, { filter: { builtIn: true }, first: 10 })).scripts;
    expect(builtIns.totalCount).toBe(4);
    const keys = builtIns.edges.map((edge: any) => edge.node.builtInKey).sort();
    expect(keys).toEqual(['CUSTOM_COMMAND', 'PASSWORD_RESET_REMOTE_UNIX', 'PASSWORD_RESET_REMOTE_WINDOWS', 'VERIFY_PASSWORD']);
    const unix = builtIns.edges.map((edge: any) => edge.node).find((node: any) => node.builtInKey === 'PASSWORD_RESET_REMOTE_UNIX');
    expect(unix).toMatchObject({ builtIn: true, kind: 'PASSWORD_RESET', interpreter: 'SH', version: 1 });

    const edit = await stack.graphql(UPDATE, { input: { scriptId: unix.id, version: 1, name: unix.name, interpreter: 'SH', body: 'true', parameters: [] } }, admin);
    expect(edit.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const removal = await stack.graphql(DELETE, { input: { scriptId: unix.id } }, admin);
    expect(removal.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const copy = (await ok<any>(DUPLICATE, { input: { scriptId: unix.id, name: uniqueName('unix-copy') } })).duplicateScript.script;
    expect(copy).toMatchObject({ builtIn: false, builtInKey: null, kind: 'PASSWORD_RESET', body: unix.body, version: 1 });
    const edited = (await ok<any>(UPDATE, { input: { scriptId: copy.id, version: 1, name: copy.name, interpreter: 'SH', body: `${copy.body}\necho done`, parameters: [] } })).updateScript.script;
    expect(edited.version).toBe(2);
    // Filtered and paged: the curated scripts only.
    const curated = (await ok<any>(SCRIPTS, { filter: { builtIn: false, nameContains: copy.name.toUpperCase() }, first: 1 })).scripts;
    expect(curated.edges.map((edge: any) => edge.node.id)).toEqual([copy.id]);
  });

  it('creates, edits with optimistic locking and versions, audits each change with its diff, and deletes when unused', async () => {
    const script = await createScript({ kind: 'COMMAND', interpreter: 'SH', body: 'echo "$GREETING"', parameters: [{ name: 'GREETING', type: 'STRING', defaultValue: 'hello' }] });
    expect(script).toMatchObject({ version: 1, builtIn: false, parameters: [{ name: 'GREETING', type: 'STRING', defaultValue: 'hello' }] });

    const input = { scriptId: script.id, version: 1, name: script.name, interpreter: 'SH', body: 'echo "$GREETING, $COUNT"', parameters: [{ name: 'GREETING', type: 'STRING', defaultValue: 'hello' }, { name: 'COUNT', type: 'INTEGER', defaultValue: '2' }] };
    const updated = (await ok<any>(UPDATE, { input })).updateScript.script;
    expect(updated.version).toBe(2);
    expect(updated.versions.map((v: any) => v.version)).toEqual([2, 1]);
    expect(updated.versions[1].body).toBe('echo "$GREETING"');
    const stale = await stack.graphql(UPDATE, { input: { ...input, body: 'echo stale' } }, admin);
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const audit = await stack.orm.em.fork().find(AuditEvent, { targetId: script.id, outcome: AuditOutcome.SUCCESS }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    expect(audit.map((event) => event.action)).toEqual(['createScript', 'updateScript']);
    expect(audit[1]!.details).toMatchObject({
      version: 2,
      before: { body: 'echo "$GREETING"', parameters: [{ name: 'GREETING' }] },
      after: { body: 'echo "$GREETING, $COUNT"', parameters: [{ name: 'GREETING' }, { name: 'COUNT', type: 'INTEGER', defaultValue: '2' }] },
    });
    expect(audit[1]!.actorName).toBeTruthy();

    // Bad declarations and a taken name are refused; nothing is written.
    for (const [bad, code] of [
      [{ parameters: [{ name: 'PATH', type: 'STRING' }] }, 'BAD_USER_INPUT'],
      [{ parameters: [{ name: 'N', type: 'INTEGER', defaultValue: 'seven' }] }, 'BAD_USER_INPUT'],
      [{ body: '   ' }, 'BAD_USER_INPUT'],
      [{ name: script.name }, 'CONFLICT'],
    ] as const) {
      const base: Record<string, unknown> = { name: uniqueName('bad'), kind: 'COMMAND', interpreter: 'SH', body: 'true', parameters: [] };
      const result = await stack.graphql(CREATE, { input: { ...base, ...bad } }, admin);
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
    }

    // Only administrators write; everyone signed in reads.
    const refused = await stack.graphql(CREATE, { input: { name: uniqueName('op'), kind: 'COMMAND', interpreter: 'SH', body: 'true' } }, operator);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const read = await ok<any>(`query ($id: ID!) { script(id: $id) { version } }`, { id: script.id }, operator);
    expect(read.script.version).toBe(2);

    await ok(DELETE, { input: { scriptId: script.id } });
    const gone = await stack.graphql(`query ($id: ID!) { script(id: $id) { id } }`, { id: script.id }, admin);
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('a library reset script goes through pending, change, verify and promote on the real sshd', async () => {
    const record = await track(await createRotatableRecord(stack, admin));
    const shadowId = await superuserRecord();
    const script = await createScript({
      kind: 'PASSWORD_RESET',
      interpreter: 'SH',
      // The new password is read from stdin and piped to chpasswd: it is in no command line.
      body: 'IFS= read -r new; IFS= read -r current\nprintf "%s:%s\\n" "$STEWARD_ACCOUNT" "$new" | chpasswd && echo "$GREETING $STEWARD_ACCOUNT"',
      parameters: [{ name: 'GREETING', type: 'STRING' }],
    });
    // A task must give the parameters that have no default, of the right type.
    const missing = await stack.graphql(ADD_TASK, { input: { recordTypeId: (await ok<any>(RECORD, { id: record.recordId })).record.recordType.id, task: { name: 'No greeting', script: 'PASSWORD_RESET_REMOTE_UNIX', libraryScriptId: script.id, policyEvents: ['ON_DEMAND'] } } }, admin);
    expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const wrongKind = await stack.graphql(ADD_TASK, { input: { recordTypeId: (await ok<any>(RECORD, { id: record.recordId })).record.recordType.id, task: { name: 'Wrong kind', script: 'VERIFY_PASSWORD', libraryScriptId: script.id, policyEvents: ['ON_DEMAND'], scriptParameters: { parameters: [{ name: 'GREETING', value: 'x' }] } } } }, admin);
    expect(wrongKind.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const taskId = await addTask(record.recordId, {
      name: 'Library reset',
      script: 'PASSWORD_RESET_REMOTE_UNIX',
      libraryScriptId: script.id,
      shadowRecordId: shadowId,
      scriptParameters: { parameters: [{ name: 'GREETING', value: 'reset; $(id)' }] },
    });
    const usedBy = (await ok<any>(USED_BY, { id: script.id })).script.usedBy;
    expect(usedBy.map((usage: any) => usage.task.id)).toEqual([taskId]);
    const inUse = await stack.graphql(DELETE, { input: { scriptId: script.id } }, admin);
    expect(inUse.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const job = await finishedJob(stack, admin, (await runOnDemand(stack, admin, record.recordId, taskId)).id);
    expect(job.state).toBe('COMPLETED');
    const newPassword = await unlock(stack, admin, record.recordId);
    expect(newPassword).not.toBe(record.initialPassword);
    await expect(canLogin(sshTarget(record.username, newPassword))).resolves.toBe(true);
    await expect(canLogin(sshTarget(record.username, record.initialPassword))).resolves.toBe(false);
    const details = (await ok<any>(JOB, { id: job.id })).job;
    expect(details).toMatchObject({ scriptName: script.name, scriptVersion: 1 });
    expect(details.details.output).toBe(`reset; $(id) ${record.username}`);
    expect(details.details.output).not.toContain(newPassword);
  });

  it('a library verify script runs after logging in with the vault’s password, which it reads on stdin', async () => {
    const record = await track(await createRotatableRecord(stack, admin, { script: 'VERIFY_PASSWORD' }));
    const script = await createScript({ kind: 'VERIFY', interpreter: 'SH', body: 'IFS= read -r pw; [ "${#pw}" -ge "$MIN" ] && echo "verified as $(id -un)"', parameters: [{ name: 'MIN', type: 'INTEGER', defaultValue: '12' }] });
    const taskId = await addTask(record.recordId, { name: 'Library verify', script: 'VERIFY_PASSWORD', libraryScriptId: script.id });
    const job = await finishedJob(stack, admin, (await runOnDemand(stack, admin, record.recordId, taskId)).id);
    expect(job).toMatchObject({ state: 'COMPLETED', details: { exitCode: 0, output: `verified as ${record.username}` } });
  });

  it('a running job keeps the version it started with while the script is edited', async () => {
    const record = await track(await createRotatableRecord(stack, admin, { script: 'VERIFY_PASSWORD' }));
    const home = execFileSync('getent', ['passwd', record.username], { encoding: 'utf8' }).split(':')[5]!;
    const script = await createScript({ kind: 'COMMAND', interpreter: 'SH', body: 'while [ ! -e "$HOME/release" ]; do sleep 0.1; done; echo v1' });
    const taskId = await addTask(record.recordId, { name: 'Waits', script: 'CUSTOM_COMMAND', libraryScriptId: script.id });

    const first = await runOnDemand(stack, admin, record.recordId, taskId);
    await eventually(async () => {
      const job = (await ok<any>(JOB, { id: first.id })).job;
      return job.state === 'RUNNING' && job.scriptVersion === 1 ? job : undefined;
    }, 30_000, 'the job to start with version 1');
    await ok(UPDATE, { input: { scriptId: script.id, version: 1, name: script.name, interpreter: 'SH', body: 'echo v2', parameters: [] } });
    writeFileSync(`${home}/release`, '');

    const kept = await finishedJob(stack, admin, first.id);
    expect(kept).toMatchObject({ state: 'COMPLETED', details: { output: 'v1' } });
    expect((await ok<any>(JOB, { id: first.id })).job).toMatchObject({ scriptName: script.name, scriptVersion: 1 });

    const second = await finishedJob(stack, admin, (await runOnDemand(stack, admin, record.recordId, taskId)).id);
    expect(second).toMatchObject({ state: 'COMPLETED', details: { output: 'v2' } });
    expect((await ok<any>(JOB, { id: second.id })).job.scriptVersion).toBe(2);
  });
});
