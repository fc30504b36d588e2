import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { Worker } from '@temporalio/worker';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import { MasterKeyring, type MasterKeys, masterKeyId } from '../lib/master-keyring';
import { createServices } from '../services';
import { ServerKeySecrets } from '../services/federation/server-key-secrets';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { VaultSecrets } from '../services/shared/vault-secrets';
import { WebhookSecrets } from '../services/webhooks/webhook-secrets';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { ensureJobReconciliationSchedule, JOB_RECONCILIATION_SCHEDULE } from '../temporal/maintenance';
import { temporalPorts } from '../temporal/ports';
import { SHARE_CLIENT_TASKS_SCHEDULE, TemporalShareSchedule } from '../temporal/share-schedule';
import { createStewardWorker, NativeConnection } from '../temporal/worker';
import { STEWARD_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { createMigratedDatabase, dropDatabase } from './harness/databases';
import { ensureNamespaces } from './harness/namespaces';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { TEST_MASTER_KEY, testEnvironment } from './harness/test-env';
import { runOnDemand } from './harness/vault-fixtures';

const ROOT = path.join(__dirname, '..');
const OLD_KEY = Buffer.from(TEST_MASTER_KEY, 'base64');
/** A key rotated away before the test's rotation: its values open only while it is among the previous keys. */
const OLDER_KEY = Buffer.alloc(32, 0x5a);

/** How each sealed column is opened, by the services' own sealing classes; server keys as base64 to compare. */
const OPENERS: Record<string, (keys: MasterKeys, boundTo: string, sealed: string) => string> = {
  'records.encrypted_password': (keys, boundTo, sealed) => new VaultSecrets(keys).open(boundTo, sealed),
  'records.encrypted_pending_password': (keys, boundTo, sealed) => new VaultSecrets(keys).open(boundTo, sealed),
  'password_history.encrypted_password': (keys, boundTo, sealed) => new VaultSecrets(keys).open(boundTo, sealed),
  'server_keys.encrypted_private_key': (keys, boundTo, sealed) => new ServerKeySecrets(keys).open(boundTo, sealed).toString('base64'),
  'webhooks.encrypted_secret': (keys, boundTo, sealed) => new WebhookSecrets(keys).open(boundTo, sealed),
};

interface SealedValue {
  column: string;
  id: string;
  boundTo: string;
  sealed: string;
}

interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The `steward` operator command as an operator runs it, in child processes against a database
 * and Temporal namespace of the test's own: rotating the master key over every sealed column,
 * `doctor` against healthy and dead services, and the administrator password reset.
 */
describe('the steward command', () => {
  let stack: StewardStack;
  let databaseUrl: string;
  let namespace: string;
  let keyDir: string;
  let adminToken: string;
  let newKey: Buffer;
  let job: { id: string; workflowId: string };
  let worker: { worker: Worker; run: Promise<void>; connection: NativeConnection } | undefined;

  const sql = <T extends object[]>(query: string, params: unknown[] = []) => stack.orm.em.fork().getConnection().execute<T>(query, params);

  async function sealedValues(): Promise<SealedValue[]> {
    const rows = await sql<SealedValue[]>(`
      select 'records.encrypted_password' as "column", id, id as "boundTo", encrypted_password as sealed from records
      union all select 'records.encrypted_pending_password', id, id, encrypted_pending_password from records where encrypted_pending_password is not null
      union all select 'password_history.encrypted_password', id, record_id, encrypted_password from password_history
      union all select 'server_keys.encrypted_private_key', id, id, encrypted_private_key from server_keys
      union all select 'webhooks.encrypted_secret', id, id, encrypted_secret from webhooks
      order by 1, 2`);
    return rows.map((row) => ({ ...row, id: String(row.id), boundTo: String(row.boundTo) }));
  }

  const openAll = (keys: MasterKeys, values: SealedValue[]) => values.map((value) => OPENERS[value.column]!(keys, value.boundTo, value.sealed));

  function steward(args: string[], env: Record<string, string | undefined>, input = '', entry = path.join(ROOT, 'scripts', 'steward.ts')): Promise<CommandResult> {
    const runner = entry.endsWith('.ts') ? [require.resolve('ts-node/dist/bin.js'), '--transpile-only', entry] : [entry];
    const child = spawn(process.execPath, [...runner, ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: testEnvironment().temporalAddress, TEMPORAL_NAMESPACE: namespace, STEWARD_PREVIOUS_MASTER_KEYS: '', ...env },
      cwd: keyDir,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(input);
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  async function registerSearchAttributes(address: string): Promise<void> {
    const connection = await Connection.connect({ address });
    try {
      const missing = async () => {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        return STEWARD_SEARCH_ATTRIBUTES.filter((key) => !customAttributes?.[key.name]);
      };
      const searchAttributes = Object.fromEntries((await missing()).map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]));
      if (Object.keys(searchAttributes).length > 0) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
      await eventually(async () => ((await missing()).length === 0 ? true : undefined), 30_000, 'the search attributes to be registered');
    } finally {
      await connection.close();
    }
  }

  /** Seals a value in every encrypted column through the services, under the test's master key. */
  async function sealThroughServices(): Promise<void> {
    const graphql = async (query: string, input: Record<string, unknown>) => {
      const result = await stack.graphql<any>(query, { input }, adminToken);
      if (!result.data) throw new Error(JSON.stringify(result.errors));
      return result.data;
    };
    const env = testEnvironment();
    const { createRecordType } = await graphql('mutation ($input: CreateRecordTypeInput!) { createRecordType(input: $input) { recordType { id tasks { id } } } }', {
      name: uniqueName('linux'),
      tasks: [{ name: 'Rotate password', script: 'PASSWORD_RESET_REMOTE_UNIX', policyEvents: ['ON_DEMAND'], executionNode: LOCAL_NODE }],
    });
    const { createRecord } = await graphql('mutation ($input: CreateRecordInput!) { createRecord(input: $input) { record { id } } }', {
      recordTypeId: createRecordType.recordType.id,
      name: uniqueName('account'),
      host: env.sshdHost,
      port: env.sshdPort,
      username: 'nobody-here',
      password: `first-${randomBytes(8).toString('hex')}`,
      hostKeyFingerprint: env.sshdFingerprint,
    });
    await graphql('mutation ($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }', {
      name: uniqueName('hook'),
      url: 'http://127.0.0.1:9/hook',
      secret: `webhook-secret-${randomBytes(8).toString('hex')}`,
      // An event this test never causes: nothing is sent to the unreachable URL.
      events: ['SHARE_REFUSED'],
    });
    // No worker serves the namespace yet: the job's workflow waits, and its input stays in the history, sealed with the old key.
    job = await runOnDemand(stack, adminToken, createRecord.record.id, createRecordType.recordType.tasks[0].id);
    const services = () => createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey));
    await services().rotation.preparePendingPassword(job.id);
    await services().rotation.promotePendingPassword(job.id);
    await services().rotation.preparePendingPassword(job.id);
    await services().serverIdentity.rotateKey(SYSTEM_ACTOR);
  }

  beforeAll(async () => {
    const env = testEnvironment();
    const url = new URL(env.databaseUrl);
    url.pathname = `/steward_cli_${process.pid}`;
    databaseUrl = url.toString();
    namespace = `steward-cli-${process.pid}`;
    keyDir = mkdtempSync(path.join(tmpdir(), 'steward-cli-'));
    await createMigratedDatabase(databaseUrl);
    await ensureNamespaces(env.temporalAddress, [namespace]);
    await registerSearchAttributes(env.temporalAddress);
    stack = await startStewardStack({ databaseUrl, namespace, worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    await sealThroughServices();
  });

  afterAll(async () => {
    // The namespace outlives the test in the run's Temporal: its schedules would go on firing.
    for (const scheduleId of [JOB_RECONCILIATION_SCHEDULE, SHARE_CLIENT_TASKS_SCHEDULE]) {
      await stack?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    }
    if (worker) {
      worker.worker.shutdown();
      await worker.run;
      await worker.connection.close();
    }
    await stack?.stop();
    if (databaseUrl) await dropDatabase(databaseUrl);
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('reseals every encrypted column with a new key in one audited step, and prints what to set next', async () => {
    const before = await sealedValues();
    expect(new Set(before.map((value) => value.column))).toEqual(new Set(Object.keys(OPENERS)));
    // A value from before key IDs, and one sealed with a key already rotated away.
    const legacy = before.find((value) => value.column === 'password_history.encrypted_password')!;
    const [, , iv, tag, ciphertext] = legacy.sealed.split(':');
    await sql('update password_history set encrypted_password = ? where id = ?', [`v1:${iv}:${tag}:${ciphertext}`, legacy.id]);
    const olderKey = before.filter((value) => value.column === 'server_keys.encrypted_private_key')[1]!;
    const resealed = new ServerKeySecrets(OLDER_KEY).seal(olderKey.boundTo, new ServerKeySecrets(OLD_KEY).open(olderKey.boundTo, olderKey.sealed));
    await sql('update server_keys set encrypted_private_key = ? where id = ?', [resealed, olderKey.id]);
    const originals = openAll(new MasterKeyring(OLD_KEY, [OLDER_KEY]), await sealedValues());

    const keyFile = path.join(keyDir, 'new.key');
    const rotated = await steward(['master-key', 'rotate', '--write-new-key', keyFile], { STEWARD_MASTER_KEY: TEST_MASTER_KEY, STEWARD_PREVIOUS_MASTER_KEYS: OLDER_KEY.toString('base64') });
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    newKey = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    expect(newKey).toHaveLength(32);
    // What to set next names the keys by ID and shows no key material.
    expect(rotated.stdout).toContain(`STEWARD_PREVIOUS_MASTER_KEYS="$STEWARD_MASTER_KEY,$STEWARD_PREVIOUS_MASTER_KEYS"  # keys ${masterKeyId(OLD_KEY)}, ${masterKeyId(OLDER_KEY)}\n`);
    expect(rotated.stdout).toContain(`STEWARD_MASTER_KEY="$(cat ${keyFile})"  # key ${masterKeyId(newKey)}\n`);
    for (const key of [newKey, OLD_KEY, OLDER_KEY]) expect(rotated.stdout).not.toContain(key.toString('base64'));
    expect(rotated.stdout).toContain(`resealed with master key ${masterKeyId(newKey)} (was ${masterKeyId(OLD_KEY)})`);

    const after = await sealedValues();
    expect(after.map((value) => value.id)).toEqual(before.map((value) => value.id));
    for (const value of after) expect(value.sealed.startsWith(`v2:${masterKeyId(newKey)}:`)).toBe(true);
    expect(openAll(new MasterKeyring(newKey, [OLD_KEY, OLDER_KEY]), after)).toEqual(originals);

    // Every encrypted column in the schema was resealed, and the audit entry counts them without key material.
    const columns = await sql<{ name: string }[]>(
      "select table_name || '.' || column_name as name from information_schema.columns where table_schema = 'public' and column_name like 'encrypted%' order by 1",
    );
    const audit = await sql<{ actor_name: string; outcome: string; details: Record<string, unknown> }[]>(
      "select actor_name, outcome, details from audit_events where action = 'rotateMasterKey'",
    );
    expect(audit).toHaveLength(1);
    const expectedCounts = Object.fromEntries(Object.keys(OPENERS).map((column) => [column, after.filter((value) => value.column === column).length]));
    expect(audit[0]).toEqual({
      actor_name: 'system',
      outcome: 'SUCCESS',
      details: { fromKeyId: masterKeyId(OLD_KEY), toKeyId: masterKeyId(newKey), resealed: expectedCounts },
    });
    expect(Object.keys(expectedCounts).sort()).toEqual(columns.map((column) => column.name));
    const details = JSON.stringify(audit[0]!.details);
    for (const key of [OLD_KEY, OLDER_KEY, newKey]) {
      for (const encoding of ['base64', 'hex', 'base64url'] as const) expect(details).not.toContain(key.toString(encoding));
    }
  });

  it('leaves nothing in the database that needs a previous key', async () => {
    const values = await sealedValues();
    expect(openAll(newKey, values)).toEqual(openAll(new MasterKeyring(newKey, [OLD_KEY, OLDER_KEY]), values));
    expect(() => openAll(OLD_KEY, values)).toThrow(`sealed with master key ${masterKeyId(newKey)}`);
  });

  it('keeps Temporal histories sealed with the old key readable while it is among the previous keys', async () => {
    const history = await stack.client.workflow.getHandle(job.workflowId).fetchHistory();
    const [input] = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    expect(Buffer.from(input!.metadata!['encryption-key-id']!).toString()).toBe(masterKeyId(OLD_KEY));
    const [decoded] = await new EncryptionCodec(new MasterKeyring(newKey, [OLD_KEY])).decode([input!]);
    expect(JSON.stringify(defaultPayloadConverter.fromPayload(decoded!))).toContain(job.id);
    await expect(new EncryptionCodec(newKey).decode([input!])).rejects.toThrow(`sealed with master key ${masterKeyId(OLD_KEY)}`);
    await stack.client.workflow.getHandle(job.workflowId).terminate('the steward command test is done with it');
  });

  it('refuses a new key file others may read, and rotates from a private one with only the current key', async () => {
    const before = await sealedValues();
    const exposed = path.join(keyDir, 'exposed.key');
    writeFileSync(exposed, randomBytes(32).toString('base64'));
    chmodSync(exposed, 0o644);
    const refused = await steward(['master-key', 'rotate', '--new-key-file', exposed], { STEWARD_MASTER_KEY: newKey.toString('base64') });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`refusing the key file: ${exposed} is open to its group or others (mode 0644); chmod 600 ${exposed}`);
    expect(await sealedValues()).toEqual(before);

    const originals = openAll(newKey, before);
    const next = randomBytes(32);
    const privateKeyFile = path.join(keyDir, 'private.key');
    writeFileSync(privateKeyFile, next.toString('base64'), { mode: 0o600 });
    const rotated = await steward(['master-key', 'rotate', '--new-key-file', privateKeyFile], { STEWARD_MASTER_KEY: newKey.toString('base64') });
    expect(rotated.stderr).toBe('');
    expect(rotated.status).toBe(0);
    expect(openAll(next, await sealedValues())).toEqual(originals);
    expect(rotated.stdout).toContain(`STEWARD_PREVIOUS_MASTER_KEYS="$STEWARD_MASTER_KEY"  # keys ${masterKeyId(newKey)}\n`);
    expect(rotated.stdout).not.toContain(next.toString('base64'));
    newKey = next;
  });

  it('doctor prints an OK line per check against healthy services and exits 0', async () => {
    const env = testEnvironment();
    await ensureJobReconciliationSchedule(stack.client, taskQueueForNode(LOCAL_NODE));
    await new TemporalShareSchedule(stack.client).ensure();
    const connection = await NativeConnection.connect({ address: env.temporalAddress });
    const started = await createStewardWorker({
      connection,
      namespace,
      nodeName: LOCAL_NODE,
      masterKey: new MasterKeyring(newKey, [OLD_KEY]),
      orm: stack.orm,
      client: stack.client,
      workflowBundle: { codePath: env.workflowBundlePath },
    });
    worker = { worker: started, run: started.run(), connection };

    const doctor = await eventually(async () => {
      const result = await steward(['doctor'], { STEWARD_MASTER_KEY: newKey.toString('base64') });
      return result.stdout.includes(`OK   node ${LOCAL_NODE}:`) ? result : undefined;
    }, 90_000, 'doctor to see the worker polling');
    console.log(doctor.stdout);
    expect(doctor.stderr).toBe('');
    expect(doctor.status).toBe(0);
    const lines = doctor.stdout.trim().split('\n');
    expect(lines.every((line) => line.startsWith('OK   '))).toBe(true);
    for (const check of ['postgres', 'migrations', 'clock', 'temporal', 'search attributes', 'schedules', `node ${LOCAL_NODE}`, 'master key']) {
      expect(lines.some((line) => line.startsWith(`OK   ${check}: `))).toBe(true);
    }
  });

  it('doctor fails the Temporal check with a fix when Temporal is unreachable, and exits 1', async () => {
    const doctor = await steward(['doctor'], { STEWARD_MASTER_KEY: newKey.toString('base64'), TEMPORAL_ADDRESS: '127.0.0.1:1' });
    console.log(doctor.stdout);
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL temporal: cannot connect to 127\.0\.0\.1:1 \(.+\)\. Fix: start Temporal, or set TEMPORAL_ADDRESS/m);
    expect(doctor.stdout).toMatch(/^OK   postgres: /m);
  });

  it('resets an administrator password through npx steward (bin/steward.js)', async () => {
    const password = `chosen-${randomBytes(12).toString('hex')}`;
    const reset = await steward(['admin', 'reset-password', 'admin', '--password-stdin'], {}, `${password}\n`, path.join(ROOT, 'bin', 'steward.js'));
    expect(reset.stderr).toBe('');
    expect(reset.status).toBe(0);
    expect(reset.stdout).toContain('reset the password of "admin"');
    const login = await stack.graphql<{ login: { token: string } }>('mutation ($input: LoginInput!) { login(input: $input) { token } }', { input: { username: 'admin', password } });
    expect(login.data?.login.token).toBeTruthy();
  });
});
