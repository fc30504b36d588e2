import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { openDatabase } from '../db/database';
import { FINAL_JOB_STATES, type JobState } from '../db/entities';
import { Role } from '../lib/enums';
import { AuthService } from '../services/identity/auth-service';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { generatePassword } from '../services/vault/password-policy';
import { connectTemporalClient } from '../temporal/connection';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { freePort } from './harness/ports';
import { type ScriptProcess, startScriptProcess } from './harness/script-process';
import { CommandLineSampler, dumpDatabase, expectNoSecrets, findSecrets, type Haystack, type NamedSecret, scanHistory } from './harness/secret-scan';
import { homeOf, prependToBashrc } from './harness/host-shell';
import { createTestUser } from './harness/sshd';
import { ADMIN_ROLES, eventually, type GraphqlResult, type StewardStack, uniqueName } from './harness/steward';
import { TEST_MASTER_KEY, testEnvironment } from './harness/test-env';
import { createRotatableRecord, finishedJob, JOB_FIELDS, type RotatableRecord, runOnDemand } from './harness/vault-fixtures';
import { startWorkerProcess, type WorkerProcess } from './harness/worker-process';

const CANCEL_JOB = 'mutation ($input: JobActionInput!) { cancelJob(input: $input) { job { id state result } } }';
const RECORD_TYPE = 'query ($id: ID!) { record(id: $id) { recordType { id } } }';
const ADD_TASK = 'mutation ($input: AddRecordTypeTaskInput!) { addRecordTypeTask(input: $input) { task { id } } }';
const RECORD_WITH_JOBS = `query ($id: ID!) { record(id: $id) { id name host port username hostKeyFingerprint passwordChangedAt version jobs(first: 100) { totalCount edges { node { ${JOB_FIELDS} } } } } }`;
const JOBS_OF_RECORD = `query ($recordId: ID!) { jobs(first: 100, filter: { recordId: $recordId }) { edges { node { ${JOB_FIELDS} fallbackCycle fallbackOf { id result } report } } } }`;
const AUDIT = 'query { auditEvents(first: 100) { edges { node { action actorName outcome targetType targetId } } } }';

/** A `sleep` of a duration nobody else uses: its command line shows that the sampler watched while the host ran the change. */
function uniqueSleep(whole: number): { seconds: string; pattern: RegExp } {
  const seconds = `${whole}.${randomInt(100_000, 999_999)}`;
  return { seconds, pattern: new RegExp(`^sleep ${seconds.replace('.', '\\.')}$`) };
}

/**
 * Puts a function named `program` first in the account's ~/.bashrc (bash sources it for commands
 * sshd runs, before Debian's early return for non-interactive shells): it sleeps for the marker,
 * then runs the real program. With `keepStdin`, it first keeps what Steward wrote to the
 * program's stdin in a file, so the test learns the passwords the host was sent; only shell
 * builtins touch them, so the wrapper puts nothing in any argv.
 */
function wrapOnHost(username: string, program: string, sleepSeconds: string, keepStdin: boolean): { stdinFile: string } {
  const stdinFile = path.join(homeOf(username), '.steward-test-stdin');
  const body = keepStdin
    ? `steward_in=$(cat); printf '%s\\n' "$steward_in" > "$HOME/.steward-test-stdin"; sleep ${sleepSeconds}; printf '%s\\n' "$steward_in" | command ${program} "$@";`
    : `sleep ${sleepSeconds}; command ${program} "$@";`;
  prependToBashrc(username, `${program}() { ${body} }`);
  return { stdinFile };
}

/** Changes the account's password on the host behind the vault's back (chpasswd reads it from stdin). */
function setHostPassword(username: string, password: string): void {
  execFileSync('chpasswd', { input: `${username}:${password}\n` });
}

describe('no password leaks on the failure paths of a rotation', () => {
  const env = testEnvironment();
  const masterKey = Buffer.from(TEST_MASTER_KEY, 'base64');
  const vaultSecrets = new VaultSecrets(masterKey);
  const codec = new EncryptionCodec(masterKey);
  const secrets: NamedSecret[] = [];
  const answers: Haystack[] = [];
  const commandLines = new CommandLineSampler();
  const cleanups: (() => Promise<void>)[] = [];
  let api: ScriptProcess;
  let worker: WorkerProcess;
  let stack: StewardStack;
  let token: string;

  function addSecret(name: string, value: string): void {
    if (!secrets.some((secret) => secret.value === value)) secrets.push({ name, value });
  }

  function track(record: RotatableRecord): RotatableRecord {
    cleanups.push(record.removeUser);
    return record;
  }

  /** Whether the scan knows the new password the job generated. */
  function knowsNewPassword(scenario: string, jobId: string): boolean {
    return secrets.some((secret) => secret.name.startsWith(`${scenario} (job ${jobId}): the new password`));
  }

  async function gql<T = any>(query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResult<T>> {
    return stack.graphql<T>(query, variables, token);
  }

  /** Every password the vault holds for the record, sealed: current, pending and history. */
  async function vaultPasswords(recordId: string): Promise<{ current: string; pending: string | null; history: string[] }> {
    const connection = stack.orm.em.fork().getConnection();
    const [row] = await connection.execute<{ encrypted_password: string; encrypted_pending_password: string | null }[]>(
      'select encrypted_password, encrypted_pending_password from records where id = ?',
      [recordId],
    );
    const history = await connection.execute<{ encrypted_password: string }[]>('select encrypted_password from password_history where record_id = ?', [recordId]);
    return {
      current: vaultSecrets.open(recordId, row!.encrypted_password),
      pending: row!.encrypted_pending_password ? vaultSecrets.open(recordId, row!.encrypted_pending_password) : null,
      history: history.map((entry) => vaultSecrets.open(recordId, entry.encrypted_password)),
    };
  }

  /**
   * Runs the task and waits for its job to end, sampling every process's command line and the
   * record's pending password (which a failed rotation may clear before anyone sees it) meanwhile.
   */
  async function runWatched(scenario: string, record: RotatableRecord, taskId: string, whileRunning?: (jobId: string) => Promise<void>) {
    const pending = new Set<string>();
    let watching = true;
    const pendingWatch = (async () => {
      while (watching) {
        const { pending: password } = await vaultPasswords(record.recordId);
        if (password) pending.add(password);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const samplesBefore = commandLines.samples;
    commandLines.start();
    try {
      const queued = await runOnDemand(stack, token, record.recordId, taskId);
      await whileRunning?.(queued.id);
      const job = await finishedJob(stack, token, queued.id);
      await workflowClosed(job.workflowId);
      for (const password of pending) addSecret(`${scenario} (job ${job.id}): the new password, seen pending`, password);
      expect(commandLines.samples).toBeGreaterThan(samplesBefore);
      return job;
    } finally {
      watching = false;
      await pendingWatch;
      await commandLines.stop();
    }
  }

  /**
   * Job History says a job ended a moment before its workflow does (it still schedules a fallback
   * and releases its lock); a workflow the outbox is about to start counts as not closed yet, and
   * one whose start was settled without starting it (its job was cancelled first) never starts.
   */
  async function workflowClosed(workflowId: string): Promise<'CLOSED' | 'NEVER STARTED'> {
    const handle = stack.client.workflow.getHandle(workflowId);
    const status = () =>
      handle.describe().then(
        (description) => description.status.name,
        (error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return 'NOT STARTED';
          throw error;
        },
      );
    const settled = async () =>
      Number((await stack.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from engine_outbox where workflow_id = ? and delivered_at is null', [workflowId]))[0]!.n) === 0;
    return eventually(
      async () => {
        const now = await status();
        if (now === 'RUNNING') return undefined;
        if (now !== 'NOT STARTED') return 'CLOSED';
        return (await settled()) && (await status()) === 'NOT STARTED' ? 'NEVER STARTED' : undefined;
      },
      30_000,
      `workflow ${workflowId} to close`,
    );
  }

  /** The passwords Steward wrote to the wrapped program's stdin: for passwd, current, new, new. */
  function sentToHost(stdinFile: string): string[] {
    return readFileSync(stdinFile, 'utf8').split('\n').filter(Boolean);
  }

  /**
   * Learns every password the vault holds for the record, then looks for every secret known so
   * far in every place it must not be. Fails naming the secret (scenario and job), form and place.
   */
  async function scanAfter(scenario: string, record: RotatableRecord): Promise<void> {
    const connection = stack.orm.em.fork().getConnection();
    const haystacks: Haystack[] = [];
    const held = await vaultPasswords(record.recordId);
    addSecret(`${scenario}: the record's initial password`, record.initialPassword);
    for (const password of [held.current, held.pending ?? '', ...held.history].filter(Boolean)) addSecret(`${scenario}: a password the vault holds for ${record.username}`, password);
    const jobs = await connection.execute<{ id: string; workflow_id: string; state: JobState }[]>(
      'select id, workflow_id, state from jobs where record_id = ? order by created_at',
      [record.recordId],
    );
    // What the API answers about the record and its jobs, failures and errors included.
    await gql(RECORD_WITH_JOBS, { id: record.recordId });
    await gql(JOBS_OF_RECORD, { recordId: record.recordId });
    await gql(AUDIT);

    const locks = new Set<string>();
    let historyPayloads = 0;
    for (const job of jobs) {
      await gql(`query ($id: ID!) { job(id: $id) { ${JOB_FIELDS} fallbackCycle fallbackOf { id result } report } }`, { id: job.id });
      // Cancelling a finished job answers an error, which is scanned too; a fallback job waiting for its time is cancelled here.
      const cancel = await gql(CANCEL_JOB, { input: { jobId: job.id } });
      if (FINAL_JOB_STATES.includes(job.state)) expect(cancel.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      if ((await workflowClosed(job.workflow_id)) === 'NEVER STARTED') continue;
      const history = await scanHistory(stack.client, codec, job.workflow_id, `${job.workflow_id} (${scenario})`);
      expect(history.decoded.text).toContain(job.id);
      historyPayloads += history.payloadCount;
      haystacks.push(...history.stored, history.decoded);
      for (const signalled of history.signalled) if (!jobs.some((other) => other.workflow_id === signalled)) locks.add(signalled);
    }
    for (const lock of locks) {
      const history = await scanHistory(stack.client, codec, lock, `the lock ${lock} (${scenario})`);
      haystacks.push(...history.stored, history.decoded);
    }
    // Every job took its account's lock, so there is a lock history to scan.
    expect(locks.size).toBeGreaterThan(0);

    const tables = await dumpDatabase(stack.orm.em.fork());
    expect(tables.map((table) => table.place)).toEqual(expect.arrayContaining(['table engine_outbox', 'table idempotency_keys', 'table records', 'table jobs', 'table job_events']));
    expect(tables.find((table) => table.place === 'table records')!.text).toContain(record.recordId);

    expect(worker.logs()).toContain('serving task queue');
    haystacks.push(
      ...tables,
      ...answers,
      commandLines.haystack(),
      { place: "the worker's stdout and stderr", text: worker.logs() },
      { place: "the API's stdout and stderr", text: api.logs() },
      { place: "the test sshd's log", text: readFileSync(env.sshdLogFile, 'utf8') },
    );
    console.log(
      `${scenario}: ${secrets.length} secrets searched in ${haystacks.length} places: ${jobs.length} job and ${locks.size} lock histories ` +
        `(${historyPayloads} payloads decoded), ${tables.length} tables, ${answers.length} API answers, ${commandLines.samples} process-list samples, ` +
        `${worker.logs().split('\n').length} worker and ${api.logs().split('\n').length} API log lines`,
    );
    expectNoSecrets(secrets, haystacks);
  }

  async function configureFallback(settings: { enabled: boolean; frequencySeconds: number; cycles: number }): Promise<void> {
    const { data } = await gql<{ fallbackSettings: { version: number } }>('query { fallbackSettings { version } }');
    const updated = await gql('mutation ($input: UpdateFallbackSettingsInput!) { updateFallbackSettings(input: $input) { settings { enabled } } }', {
      input: { ...settings, version: data!.fallbackSettings.version },
    });
    expect(updated.errors).toBeUndefined();
  }

  beforeAll(async () => {
    const port = await freePort();
    // Both as their own processes, so everything they print reaches the scan, at the most verbose level an operator can choose.
    const verbose = { STEWARD_LOG_LEVEL: 'trace' };
    [api, worker] = await Promise.all([
      startScriptProcess({ script: 'api.ts', name: 'the API', ready: { line: 'GraphQL API at', meaning: 'serving GraphQL' }, env: { PORT: String(port), ...verbose } }),
      startWorkerProcess({ nodeName: 'local', extraEnv: verbose }),
    ]);
    const orm = await openDatabase(env.databaseUrl);
    const client = await connectTemporalClient({ address: env.temporalAddress, namespace: env.temporalNamespace, masterKey });
    const url = `http://127.0.0.1:${port}/graphql`;
    const graphql = async <T>(query: string, variables?: Record<string, unknown>, bearer?: string): Promise<GraphqlResult<T>> => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      // The place names the call by its variables, passwords left out, so a failure message carries none.
      const called = JSON.stringify(variables ?? {}, (key, value: unknown) => (/password/i.test(key) ? '…' : value));
      answers.push({ place: `the API's answer (HTTP ${response.status}) to ${query.replace(/\s+/g, ' ').slice(0, 60)}… ${called}`, text });
      return JSON.parse(text) as GraphqlResult<T>;
    };
    stack = {
      orm,
      client,
      masterKey,
      api: { url, port, close: () => api.stop() },
      graphql,
      async signIn(roles: Role[]) {
        const username = uniqueName('user');
        const password = generatePassword();
        await new AuthService(orm.em.fork()).createUser(SYSTEM_ACTOR, username, password, roles);
        const result = await graphql<{ login: { token: string } }>('mutation ($input: LoginInput!) { login(input: $input) { token } }', { input: { username, password } });
        if (!result.data) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
        return result.data.login.token;
      },
      async stop() {
        await client.connection.close();
        await orm.close();
      },
    };
    token = await stack.signIn(ADMIN_ROLES);
    // A failed job schedules its Fallback job (far off): that path runs, and its workflow is scanned too.
    await configureFallback({ enabled: true, frequencySeconds: 3600, cycles: 1 });
  }, 180_000);

  afterAll(async () => {
    // Other test files share this database: leave fallback as it starts, off.
    await configureFallback({ enabled: false, frequencySeconds: 3600, cycles: 3 }).catch(() => undefined);
    await commandLines.stop();
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await Promise.all([worker?.stop(), api?.stop()]);
    await stack?.stop();
  });

  it('the scan finds a secret in every form it searches for, in any place', () => {
    // A quote and a backslash make the JSON-escaped forms differ from the plain one; ? and > put / and + in its base64.
    const secret = { name: 'a test secret', value: 's3cr"t\\pass???>>>word' };
    const hex = Buffer.from(secret.value).toString('hex');
    const hidden: [string, string][] = [
      ['plain', `log line: ${secret.value} (end)`],
      ['JSON-escaped', JSON.stringify({ password: secret.value })],
      ['JSON-escaped twice', JSON.stringify({ payload: JSON.stringify({ password: secret.value }) })],
      ['URL-encoded', `password=${encodeURIComponent(secret.value)}&next=1`],
      ['hex', `{"data":"\\x00${hex}ff"}`],
      ['HEX', hex.toUpperCase()],
      ...[0, 1, 2].map((offset): [string, string] => [`base64 (offset ${offset})`, Buffer.from(`${'p'.repeat(offset)}${secret.value}tail`).toString('base64')]),
      ...[0, 1, 2].map((offset): [string, string] => [`base64url (offset ${offset})`, Buffer.from(`${'p'.repeat(offset)}${secret.value}tail`).toString('base64url')]),
    ];
    for (const [form, text] of hidden) expect(findSecrets([secret], [{ place: 'a place', text }]).map((found) => found.form)).toContain(form);
    expect(() => expectNoSecrets([secret], [{ place: 'the log', text: `pw=${secret.value}` }])).toThrow(/a test secret \(plain\) in the log: "pw=«secret»"/);
    expect(findSecrets([secret], [{ place: 'a place', text: generatePassword() }])).toEqual([]);
  });

  it('a failed rotation (the host refuses the password the vault holds)', async () => {
    const scenario = 'the failed rotation';
    const record = track(await createRotatableRecord(stack, token));
    const hostPassword = generatePassword();
    setHostPassword(record.username, hostPassword);
    addSecret(`${scenario}: the password the host really has`, hostPassword);

    const job = await runWatched(scenario, record, record.taskId);

    expect(job.state).toBe('ERROR');
    expect(job.result).toMatch(/refused/);
    expect(knowsNewPassword(scenario, job.id)).toBe(true);
    await scanAfter(`${scenario} (job ${job.id})`, record);
  });

  it('a rotation cancelled while passwd runs on the host', async () => {
    const scenario = 'the cancelled rotation';
    const record = track(await createRotatableRecord(stack, token));
    const marker = uniqueSleep(60);
    const { stdinFile } = wrapOnHost(record.username, 'passwd', marker.seconds, true);

    const job = await runWatched(scenario, record, record.taskId, async (jobId) => {
      await eventually(async () => (existsSync(stdinFile) && commandLines.saw(marker.pattern) ? true : undefined), 60_000, 'passwd to run on the host');
      expect((await gql(CANCEL_JOB, { input: { jobId } })).errors).toBeUndefined();
    });

    expect(job.state).toBe('CANCELLED');
    const [current, next, again] = sentToHost(stdinFile);
    expect(current).toBe(record.initialPassword);
    expect(again).toBe(next);
    addSecret(`${scenario} (job ${job.id}): the new password sent to passwd`, next!);
    expect((await vaultPasswords(record.recordId)).current).toBe(record.initialPassword);
    await scanAfter(`${scenario} (job ${job.id})`, record);
  });

  it('a rotation against a host whose key does not match the pinned one', async () => {
    const scenario = 'the wrong host key';
    const wrongFingerprint = `SHA256:${Buffer.alloc(32, 9).toString('base64').replace(/=+$/, '')}`;
    const record = track(await createRotatableRecord(stack, token, { hostKeyFingerprint: wrongFingerprint }));

    const job = await runWatched(scenario, record, record.taskId);

    expect(job.state).toBe('ERROR');
    expect(job.result).toContain('host key');
    // The new password was generated (and must leak nowhere) even though nothing reached the host.
    expect(knowsNewPassword(scenario, job.id)).toBe(true);
    await scanAfter(`${scenario} (job ${job.id})`, record);
  });

  it('a change passwd refuses', async () => {
    const scenario = 'the refused change';
    const record = track(await createRotatableRecord(stack, token));
    // A minimum password age: PAM refuses the account's own change.
    execFileSync('chage', ['--mindays', '99999', record.username]);
    const marker = uniqueSleep(1);
    const { stdinFile } = wrapOnHost(record.username, 'passwd', marker.seconds, true);

    const job = await runWatched(scenario, record, record.taskId);

    expect(job.state).toBe('ERROR');
    expect(job.details.output).toMatch(/wait longer|password/i);
    expect(commandLines.saw(marker.pattern)).toBe(true);
    const [current, next] = sentToHost(stdinFile);
    expect(current).toBe(record.initialPassword);
    addSecret(`${scenario} (job ${job.id}): the new password sent to passwd`, next!);
    await scanAfter(`${scenario} (job ${job.id})`, record);
  });

  it('a reset through a shadow account', async () => {
    const scenario = 'the shadow-account reset';
    const record = track(await createRotatableRecord(stack, token));
    const shadowPassword = generatePassword();
    const shadowAccount = await createTestUser(shadowPassword, { superuser: true });
    cleanups.push(shadowAccount.remove);
    addSecret(`${scenario}: the shadow account's password`, shadowPassword);
    const shadowType = await gql('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id } } }', { input: { name: uniqueName('root'), tasks: [] } });
    const shadow = await gql('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', {
      input: {
        recordTypeId: shadowType.data.createRecordType.recordType.id,
        name: uniqueName(shadowAccount.username),
        host: env.sshdHost,
        port: env.sshdPort,
        username: shadowAccount.username,
        password: shadowPassword,
        hostKeyFingerprint: env.sshdFingerprint,
      },
    });
    const recordTypeId = (await gql(RECORD_TYPE, { id: record.recordId })).data.record.recordType.id;
    const added = await gql(ADD_TASK, {
      input: { recordTypeId, task: { name: 'Rotate as root', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], shadowRecordId: shadow.data.createRecord.record.id } },
    });
    const marker = uniqueSleep(1);
    wrapOnHost(shadowAccount.username, 'chpasswd', marker.seconds, false);

    const job = await runWatched(scenario, record, added.data.addRecordTypeTask.task.id);

    expect(job.state).toBe('COMPLETED');
    expect(commandLines.saw(marker.pattern)).toBe(true);
    const held = await vaultPasswords(record.recordId);
    expect(held.current).not.toBe(record.initialPassword);
    expect(held.history).toEqual([record.initialPassword]);
    await scanAfter(`${scenario} (job ${job.id})`, record);
  });
});
