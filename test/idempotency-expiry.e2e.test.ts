import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { openDatabase } from '../db/database';
import { Role } from '../lib/enums';
import { AuthService } from '../services/identity/auth-service';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { asData, IDEMPOTENCY_KEY_RETENTION_MS, IdempotencyKeys } from '../services/shared/idempotency';
import { uniqueName } from './harness/steward';
import { testEnvironment } from './harness/test-env';

describe('idempotency keys expire', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await openDatabase(testEnvironment().databaseUrl);
  });

  afterAll(async () => {
    await orm.close();
  });

  it('keeps a key for the retention, then forgets it, so only a retry after that runs again', async () => {
    const user = await new AuthService(orm.em.fork()).createUser(SYSTEM_ACTOR, uniqueName('user'), randomBytes(18).toString('base64url'), [Role.OPERATOR]);
    let calls = 0;
    const once = (key: string) => new IdempotencyKeys(orm.em.fork()).once(user, 'testMutation', { idempotencyKey: key }, async () => ++calls, asData<number>());
    const keysLeft = async (key: string) => (await orm.em.fork().execute('select "id" from "idempotency_keys" where "key" = ?', [key])).length;
    const [expiring, kept] = [uniqueName('expiring'), uniqueName('kept')];
    expect(await once(expiring)).toBe(1);
    expect(await once(kept)).toBe(2);
    expect(await once(expiring)).toBe(1);

    // One key's claim is older than the retention, the other's is not.
    await orm.em.fork().execute(
      `update "idempotency_keys" set "created_at" = now() - (? * interval '1 millisecond') - interval '1 minute' where "key" = ?`,
      [IDEMPOTENCY_KEY_RETENTION_MS, expiring],
    );
    expect(await new IdempotencyKeys(orm.em.fork()).pruneExpired()).toBeGreaterThanOrEqual(1);
    expect(await keysLeft(expiring)).toBe(0);
    expect(await keysLeft(kept)).toBe(1);

    expect(await once(kept)).toBe(2);
    expect(await once(expiring)).toBe(3);
    expect(calls).toBe(3);
  });
});
