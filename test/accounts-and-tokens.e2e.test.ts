import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AuditEvent } from '../db/entities';
import { DEFAULT_ACCOUNT_POLICY } from '../infra/config';
import { Role } from '../lib/enums';
import { ADMIN_ROLES, type GraphqlResult, type StewardStack, startStewardStack, uniqueName } from './harness/steward';
import { expectOk } from './harness/permission-sets';
import { testEnvironment } from './harness/test-env';

const LIMITS = { windowSeconds: 600, maxFailuresPerUsername: 3, maxFailuresPerAddress: 6 };
const DEFAULT_DAYS = 7;
const MAX_DAYS = 30;
const DAY_MS = 86_400_000;

interface Response<T> {
  status: number;
  cookies: string[];
  result: GraphqlResult<T>;
}

interface Account {
  id: string;
  username: string;
  password: string;
}

const LOGIN = 'mutation ($input: LoginInput!) { login(input: $input) { token user { id username roles } } }';
const ME = '{ me { id username roles disabled } }';

describe('accounts and tokens', () => {
  let stack: StewardStack;
  let adminToken: string;
  let adminId: string;
  // Each test signs in from addresses of its own, so the per-address counts of one never reach another.
  const addressBlock = `198.18.${randomBytes(1)[0]}`;
  let lastOctet = 0;
  const freshAddress = () => `${addressBlock}.${++lastOctet}`;

  beforeAll(async () => {
    stack = await startStewardStack({
      worker: false,
      api: { trustProxy: true, accounts: { ...DEFAULT_ACCOUNT_POLICY, apiTokenDefaultDays: DEFAULT_DAYS, apiTokenMaxDays: MAX_DAYS, loginThrottle: LIMITS } },
    });
    adminToken = await stack.signIn(ADMIN_ROLES);
    adminId = expectOk(await stack.graphql<{ me: { id: string } }>(ME, {}, adminToken)).me.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A GraphQL request as a browser or script sends it; behind the trusted proxy, from `address`. */
  async function post<T = any>(query: string, variables: Record<string, unknown> = {}, options: { token?: string; address?: string } = {}): Promise<Response<T>> {
    const response = await fetch(stack.api.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        // The proxy appends the address it saw; the first entry is the client's own claim, never trusted.
        'x-forwarded-for': `10.9.9.9, ${options.address ?? freshAddress()}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, cookies: response.headers.getSetCookie(), result: (await response.json()) as GraphqlResult<T> };
  }

  async function createAccount(roles: Role[] = []): Promise<Account> {
    const username = uniqueName('account');
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const created = expectOk(
      await stack.graphql<any>('mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } } }', { input: { username, password, roles } }, adminToken),
    );
    return { id: created.createUser.user.id, username, password };
  }

  function login(account: Pick<Account, 'username' | 'password'>, address?: string): Promise<Response<{ login: { token: string; user: { id: string; roles: Role[] | null } } }>> {
    return post(LOGIN, { input: { username: account.username, password: account.password } }, { address });
  }

  async function loginToken(account: Account): Promise<string> {
    return expectOk((await login(account)).result).login.token;
  }

  async function createApiToken(token: string, name: string, expiresInDays?: number): Promise<GraphqlResult<any>> {
    return stack.graphql('mutation ($input: CreateApiTokenInput!) { createApiToken(input: $input) { token apiToken { id name kind expiresAt } } }', { input: { name, expiresInDays } }, token);
  }

  async function apiToken(token: string, name = uniqueName('script')): Promise<{ id: string; token: string }> {
    const created = expectOk(await createApiToken(token, name)).createApiToken;
    return { id: created.apiToken.id, token: created.token };
  }

  function errorCode(result: GraphqlResult): string | undefined {
    return result.errors?.[0]?.extensions?.code;
  }

  async function works(token: string): Promise<boolean> {
    const result = await stack.graphql(ME, {}, token);
    if (result.errors && errorCode(result) !== 'UNAUTHENTICATED') throw new Error(JSON.stringify(result.errors));
    return !result.errors;
  }

  async function listTokens(token: string, userId?: string): Promise<GraphqlResult<any>> {
    return stack.graphql(
      'query ($userId: ID) { apiTokens(userId: $userId, first: 100) { totalCount edges { node { id name kind createdAt expiresAt lastUsedAt revokedAt } } } }',
      { userId },
      token,
    );
  }

  function revoke(token: string, tokenId: string): Promise<GraphqlResult<any>> {
    return stack.graphql('mutation ($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) { apiToken { id revokedAt } } }', { input: { tokenId } }, token);
  }

  function setEnabled(token: string, userId: string, enabled: boolean): Promise<GraphqlResult<any>> {
    return stack.graphql('mutation ($input: SetUserEnabledInput!) { setUserEnabled(input: $input) { user { id disabled } } }', { input: { userId, enabled } }, token);
  }

  async function loginAudit(username: string): Promise<{ outcome: string; reason: unknown }[]> {
    const events = await stack.orm.em.fork().find(AuditEvent, { action: 'login', actorName: username }, { orderBy: { createdAt: 'asc' } });
    return events.map((event) => ({ outcome: event.outcome, reason: event.details?.reason }));
  }

  async function tokenRows(userId: string): Promise<number> {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ count: string }[]>('select count(*) from api_tokens where user_id = ?', [userId]);
    return Number(row!.count);
  }

  describe('tokens', () => {
    it('lists your own tokens, sessions included, with when they were last used but never a secret', async () => {
      const account = await createAccount();
      const session = await loginToken(account);
      const script = await apiToken(session, 'ci');
      expect(await works(script.token)).toBe(true);

      const listed = expectOk(await listTokens(session)).apiTokens;
      expect(listed.totalCount).toBe(2);
      const byKind = Object.fromEntries(listed.edges.map((edge: any) => [edge.node.kind, edge.node]));
      expect(byKind.API).toMatchObject({ id: script.id, name: 'ci', revokedAt: null });
      expect(byKind.API.lastUsedAt).not.toBeNull();
      expect(byKind.SESSION).toMatchObject({ name: 'login', revokedAt: null });

      const fields = expectOk(await stack.graphql<any>('{ __type(name: "ApiToken") { fields { name } } }', {}, session)).__type.fields.map((field: any) => field.name);
      expect(fields.sort()).toEqual(['createdAt', 'expiresAt', 'id', 'kind', 'lastUsedAt', 'name', 'revokedAt', 'updatedAt']);
    });

    it('revokes your own token at once; another user can neither list nor revoke it', async () => {
      const owner = await createAccount();
      const ownerSession = await loginToken(owner);
      const script = await apiToken(ownerSession);
      const stranger = await loginToken(await createAccount());

      expect(errorCode(await listTokens(stranger, owner.id))).toBe('FORBIDDEN');
      expect(errorCode(await revoke(stranger, script.id))).toBe('NOT_FOUND');
      expect(await works(script.token)).toBe(true);

      expect(expectOk(await revoke(ownerSession, script.id)).revokeApiToken.apiToken.revokedAt).not.toBeNull();
      expect(await works(script.token)).toBe(false);
      expect(await works(ownerSession)).toBe(true);
    });

    it("lets an administrator list and revoke anyone's token", async () => {
      const owner = await createAccount();
      const script = await apiToken(await loginToken(owner));
      const listed = expectOk(await listTokens(adminToken, owner.id)).apiTokens;
      expect(listed.edges.map((edge: any) => edge.node.id)).toContain(script.id);

      expectOk(await revoke(adminToken, script.id));
      expect(await works(script.token)).toBe(false);
    });

    it('stops an expired token at once', async () => {
      const session = await loginToken(await createAccount());
      const script = await apiToken(session);
      await stack.orm.em.fork().getConnection().execute(`update api_tokens set expires_at = now() - interval '1 second' where id = ?`, [script.id]);
      expect(await works(script.token)).toBe(false);
      expect(await works(session)).toBe(true);
    });

    it('gives API tokens the default lifetime and refuses one longer than the maximum, even from a short login', async () => {
      const session = await loginToken(await createAccount());
      const before = Date.now();
      const byDefault = expectOk(await createApiToken(session, 'default')).createApiToken.apiToken;
      const expiresAt = new Date(byDefault.expiresAt).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_DAYS * DAY_MS - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + DEFAULT_DAYS * DAY_MS + 1000);

      expect(expectOk(await createApiToken(session, 'longest', MAX_DAYS)).createApiToken.apiToken.name).toBe('longest');
      const tooLong = await createApiToken(session, 'too long', MAX_DAYS + 1);
      expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
      expect(tooLong.errors?.[0]?.message).toContain(`${MAX_DAYS} days`);
    });
  });

  describe('logout', () => {
    it('ends the login session and clears its cookie', async () => {
      const account = await createAccount();
      const signedIn = await login(account);
      const session = expectOk(signedIn.result).login.token;
      expect(signedIn.cookies.find((cookie) => cookie.startsWith('steward_session='))).toContain(`steward_session=${session}`);
      const script = await apiToken(session);

      const loggedOut = await post('mutation { logout { apiToken { kind revokedAt } } }', {}, { token: session });
      expect(expectOk(loggedOut.result).logout.apiToken).toMatchObject({ kind: 'SESSION', revokedAt: expect.any(String) });
      const cleared = loggedOut.cookies.find((cookie) => cookie.startsWith('steward_session='));
      expect(cleared?.split(';').map((part) => part.trim())).toEqual(expect.arrayContaining(['steward_session=', 'Max-Age=0', 'Path=/codec']));
      expect(await works(session)).toBe(false);
      expect(await works(script.token)).toBe(true);
    });

    it('refuses to end an API token, which revokeApiToken does', async () => {
      const script = await apiToken(await loginToken(await createAccount()));
      expect(errorCode(await stack.graphql('mutation { logout { apiToken { id } } }', {}, script.token))).toBe('BAD_USER_INPUT');
      expect(await works(script.token)).toBe(true);
    });
  });

  describe('disabling users', () => {
    it('stops every token of a disabled user at once and refuses their login; enabling brings the live ones back', async () => {
      const account = await createAccount();
      const session = await loginToken(account);
      const script = await apiToken(session);

      expect(expectOk(await setEnabled(adminToken, account.id, false)).setUserEnabled.user.disabled).toBe(true);
      expect(await works(session)).toBe(false);
      expect(await works(script.token)).toBe(false);
      const refused = await login(account);
      expect(errorCode(refused.result)).toBe('UNAUTHENTICATED');
      expect(refused.result.errors?.[0]?.message).toContain('disabled');
      expect(await loginAudit(account.username)).toContainEqual({ outcome: 'FAILURE', reason: 'DISABLED' });

      expect(expectOk(await setEnabled(adminToken, account.id, true)).setUserEnabled.user.disabled).toBe(false);
      expect(await works(script.token)).toBe(true);
      expect(errorCode((await login(account)).result)).toBeUndefined();
    });

    it('refuses an administrator disabling themself, and anyone else disabling users', async () => {
      expect(errorCode(await setEnabled(adminToken, adminId, false))).toBe('BAD_USER_INPUT');
      expect(await works(adminToken)).toBe(true);
      const account = await createAccount();
      const plain = await loginToken(await createAccount());
      expect(errorCode(await setEnabled(plain, account.id, false))).toBe('FORBIDDEN');
    });
  });

  describe('changing your password', () => {
    const CHANGE = 'mutation ($input: ChangePasswordInput!) { changePassword(input: $input) { revokedTokens user { id } } }';

    it('needs the current password, and revokes every other token of yours but the one asking', async () => {
      const account = await createAccount();
      const asking = await loginToken(account);
      const otherSession = await loginToken(account);
      const script = await apiToken(asking);
      const newPassword = `new-${randomBytes(12).toString('hex')}`;

      const wrong = await stack.graphql(CHANGE, { input: { currentPassword: 'not-the-password', newPassword } }, asking);
      expect(errorCode(wrong)).toBe('BAD_USER_INPUT');
      const tooShort = await stack.graphql(CHANGE, { input: { currentPassword: account.password, newPassword: 'short' } }, asking);
      expect(errorCode(tooShort)).toBe('BAD_USER_INPUT');
      expect(await works(otherSession)).toBe(true);

      const changed = expectOk(await stack.graphql<any>(CHANGE, { input: { currentPassword: account.password, newPassword } }, asking)).changePassword;
      expect(changed.revokedTokens).toBe(2);
      expect(await works(asking)).toBe(true);
      expect(await works(otherSession)).toBe(false);
      expect(await works(script.token)).toBe(false);
      expect(errorCode((await login(account)).result)).toBe('UNAUTHENTICATED');
      expect(errorCode((await login({ username: account.username, password: newPassword })).result)).toBeUndefined();
    });
  });

  describe('login throttling', () => {
    it('refuses a username after too many failures, even with the right password, and audits it; other usernames still sign in', async () => {
      const target = await createAccount();
      const bystander = await createAccount();
      const address = freshAddress();
      for (let attempt = 0; attempt < LIMITS.maxFailuresPerUsername; attempt++) {
        expect(errorCode((await login({ username: target.username, password: 'wrong-password' }, address)).result)).toBe('UNAUTHENTICATED');
      }

      const throttled = (await login(target, address)).result;
      expect(errorCode(throttled)).toBe('TOO_MANY_REQUESTS');
      const retryAfterSeconds = (throttled.errors?.[0]?.extensions as { retryAfterSeconds?: number }).retryAfterSeconds;
      expect(retryAfterSeconds).toBeGreaterThan(0);
      expect(retryAfterSeconds).toBeLessThanOrEqual(LIMITS.windowSeconds);
      expect(errorCode((await login(target)).result)).toBe('TOO_MANY_REQUESTS');
      expect(await tokenRows(target.id)).toBe(0);

      expect(await loginAudit(target.username)).toEqual([
        ...Array(LIMITS.maxFailuresPerUsername).fill({ outcome: 'FAILURE', reason: 'WRONG_PASSWORD' }),
        { outcome: 'FAILURE', reason: 'THROTTLED' },
        { outcome: 'FAILURE', reason: 'THROTTLED' },
      ]);
      expect(errorCode((await login(bystander, address)).result)).toBeUndefined();
    });

    it('refuses an address after too many failures, whatever the username; other addresses still sign in', async () => {
      const account = await createAccount();
      const address = freshAddress();
      for (let attempt = 0; attempt < LIMITS.maxFailuresPerAddress; attempt++) {
        expect(errorCode((await login({ username: uniqueName('nobody'), password: 'guess-password' }, address)).result)).toBe('UNAUTHENTICATED');
      }
      expect(errorCode((await login(account, address)).result)).toBe('TOO_MANY_REQUESTS');
      expect(await loginAudit(account.username)).toEqual([{ outcome: 'FAILURE', reason: 'THROTTLED' }]);
      expect(errorCode((await login(account, freshAddress())).result)).toBeUndefined();
    });

    it('does not count successful sign-ins', async () => {
      const account = await createAccount();
      const address = freshAddress();
      for (let attempt = 0; attempt <= LIMITS.maxFailuresPerAddress; attempt++) {
        expect(errorCode((await login(account, address)).result)).toBeUndefined();
      }
    });

    it('refuses a request carrying two logins, aliased or through a fragment, and signs nobody in', async () => {
      const account = await createAccount();
      const credentials = `input: { username: "${account.username}", password: "${account.password}" }`;
      for (const query of [
        `mutation { a: login(${credentials}) { token } b: login(${credentials}) { token } }`,
        `mutation { ...second login(${credentials}) { token } } fragment second on Mutation { again: login(${credentials}) { token } }`,
      ]) {
        const response = await post(query);
        expect(response.status).toBe(400);
        expect(errorCode(response.result)).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(response.result.errors?.[0]?.message).toBe('A request may carry at most one login');
      }
      expect(await tokenRows(account.id)).toBe(0);
      expect(await loginAudit(account.username)).toEqual([]);
    });
  });

  describe('what users see of each other', () => {
    it('shows other users to non-administrators by name only, and all of them to administrators and themselves', async () => {
      const operator = await createAccount([Role.OPERATOR]);
      const plain = await createAccount();
      const plainToken = await loginToken(plain);
      const USERS = '{ users(first: 100) { edges { node { id username roles disabled } } } }';

      const seenByPlain = expectOk(await stack.graphql<any>(USERS, {}, plainToken)).users.edges.map((edge: any) => edge.node);
      expect(seenByPlain).toContainEqual({ id: operator.id, username: operator.username, roles: null, disabled: null });
      expect(seenByPlain).toContainEqual({ id: plain.id, username: plain.username, roles: [], disabled: false });
      expect(seenByPlain.filter((user: any) => user.id !== plain.id).every((user: any) => user.roles === null)).toBe(true);

      const seenByAdmin = expectOk(await stack.graphql<any>(USERS, {}, adminToken)).users.edges.map((edge: any) => edge.node);
      expect(seenByAdmin).toContainEqual({ id: operator.id, username: operator.username, roles: [Role.OPERATOR], disabled: false });
      expect(expectOk((await login(operator)).result).login.user.roles).toEqual([Role.OPERATOR]);
    });
  });

  describe('the operator command resetting an administrator password', () => {
    /** Runs the command as an operator would, in a child process against the test database. */
    function resetPassword(username: string, input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
      const args = [require.resolve('ts-node/dist/bin.js'), '--transpile-only', path.join(__dirname, '..', 'scripts', 'steward.ts'), 'admin', 'reset-password', username];
      if (input !== undefined) args.push('--password-stdin');
      const child = spawn(process.execPath, args, { env: { ...process.env, DATABASE_URL: testEnvironment().databaseUrl } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(input ?? '');
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (status) => resolve({ status, stdout, stderr }));
      });
    }

    it('sets a generated password shown once, enables the administrator, revokes their tokens, clears their failures and audits it', async () => {
      const admin = await createAccount(ADMIN_ROLES);
      const session = await loginToken(admin);
      expectOk(await setEnabled(adminToken, admin.id, false));
      for (let attempt = 0; attempt <= LIMITS.maxFailuresPerUsername; attempt++) await login({ username: admin.username, password: 'wrong-password' });
      expect(errorCode((await login(admin)).result)).toBe('TOO_MANY_REQUESTS');

      const reset = await resetPassword(admin.username);
      expect(reset.stderr).toBe('');
      expect(reset.status).toBe(0);
      const password = /new password \(shown once\): (\S+)/.exec(reset.stdout)?.[1];
      expect(password).toBeDefined();

      expect(await works(session)).toBe(false);
      expect(errorCode((await login(admin)).result)).toBe('UNAUTHENTICATED');
      expect(errorCode((await login({ username: admin.username, password: password! })).result)).toBeUndefined();
      const audit = await stack.orm.em.fork().find(AuditEvent, { action: 'resetAdministratorPassword', targetId: admin.id });
      expect(audit).toHaveLength(1);
      expect(JSON.stringify(audit[0])).not.toContain(password!);
    });

    it('takes the password from stdin, and refuses users who are not administrators', async () => {
      const admin = await createAccount(ADMIN_ROLES);
      const chosen = `chosen-${randomBytes(12).toString('hex')}`;
      const reset = await resetPassword(admin.username, `${chosen}\n`);
      expect(reset.status).toBe(0);
      expect(reset.stdout).not.toContain(chosen);
      expect(errorCode((await login({ username: admin.username, password: chosen })).result)).toBeUndefined();

      const plain = await createAccount();
      const refused = await resetPassword(plain.username);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('not an administrator');
      expect(errorCode((await login(plain)).result)).toBeUndefined();
    });
  });
});
