import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IdempotencyKey, type User } from '../../db/entities';
import { BadInputError, ConflictError } from './errors';

/** How a call's result is kept for retries (IDs, never secrets) and given back. */
export interface Remembered<T> {
  remember(result: T): unknown;
  recall(stored: unknown): Promise<T>;
}

/** A result that is one entity: kept as its ID, given back by loading it again. */
export function byId<T extends { id: string }>(load: (id: string) => Promise<T>): Remembered<T> {
  return { remember: (entity) => entity.id, recall: (stored) => load(stored as string) };
}

interface Claim {
  user: User;
  mutation: string;
  key: string;
  inputHash: string;
}

/** A result kept as it is: plain data with no secret in it. */
export function asData<T>(): Remembered<T> {
  return { remember: (result) => result, recall: async (stored) => stored as T };
}

/** A claim whose call never finished (its process died) may be taken over after this long. */
const ABANDONED_AFTER_MS = 5 * 60_000;

/**
 * How long a key is remembered. Clients retry within minutes; a day also covers a retry sent
 * after an outage. A retry later than this runs again.
 */
export const IDEMPOTENCY_KEY_RETENTION_MS = 24 * 3_600_000;

/** Canonical JSON: the same input hashes the same whatever the order of its keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([key, entry]) => key !== 'idempotencyKey' && entry !== undefined);
    return `{${entries.sort(([a], [b]) => a.localeCompare(b)).map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Idempotency keys for mutations that start work. The first call with a key claims it, runs, and
 * keeps its result; a retry with the key gets that result back and starts nothing. A retry while
 * the first still runs is told to wait (CONFLICT); a failed call frees its key.
 */
export class IdempotencyKeys {
  constructor(private readonly em: EntityManager) {}

  async once<T>(user: User, mutation: string, input: { idempotencyKey?: string | null }, call: () => Promise<T>, kept: Remembered<T>): Promise<T> {
    const key = input.idempotencyKey;
    if (key == null) return call();
    if (key.length < 1 || key.length > 128) throw new BadInputError('An idempotency key is 1–128 characters', 'idempotencyKey');
    const inputHash = createHash('sha256').update(canonical(input)).digest('hex');
    return this.run({ user, mutation, key, inputHash }, call, kept);
  }

  /** Forgets keys claimed more than `olderThanMs` ago (the reconciliation sweep calls it); returns how many. */
  async pruneExpired(olderThanMs = IDEMPOTENCY_KEY_RETENTION_MS): Promise<number> {
    const pruned: unknown[] = await this.em.fork().execute(
      `delete from "idempotency_keys" where "created_at" < now() - (? * interval '1 millisecond') returning "id"`,
      [olderThanMs],
    );
    return pruned.length;
  }

  private async run<T>(claim: Claim, call: () => Promise<T>, kept: Remembered<T>): Promise<T> {
    const claimId = await this.claim(claim);
    if (!claimId) return this.recall(claim, call, kept);
    try {
      const result = await call();
      await this.em.execute(`update "idempotency_keys" set "result" = ?::jsonb, "updated_at" = now() where "id" = ?`, [JSON.stringify(kept.remember(result)), claimId]);
      return result;
    } catch (error) {
      await this.em.execute(`delete from "idempotency_keys" where "id" = ?`, [claimId]);
      throw error;
    }
  }

  /** Claims the key; null when it is already claimed. */
  private async claim({ user, mutation, key, inputHash }: Claim): Promise<string | null> {
    const claimed: { id: string }[] = await this.em.execute(
      `insert into "idempotency_keys" ("id", "user_id", "mutation", "key", "input_hash") values (?, ?, ?, ?, ?)
       on conflict ("user_id", "mutation", "key") do nothing returning "id"`,
      [randomUUID(), user.id, mutation, key, inputHash],
    );
    return claimed[0]?.id ?? null;
  }

  private async recall<T>(claim: Claim, call: () => Promise<T>, kept: Remembered<T>): Promise<T> {
    const { user, mutation, key } = claim;
    const existing = await this.em.findOne(IdempotencyKey, { user: user.id, mutation, key }, { refresh: true });
    // The call holding the key failed and freed it between our claim and this read: claim it again.
    if (!existing) return this.run(claim, call, kept);
    if (existing.inputHash !== claim.inputHash) throw new BadInputError('This idempotency key was already used with other input', 'idempotencyKey');
    if (existing.result != null) return kept.recall(existing.result);
    if (Date.now() - existing.createdAt.getTime() < ABANDONED_AFTER_MS) {
      throw new ConflictError('A call with this idempotency key is still in progress; retry in a moment');
    }
    await this.em.execute(`delete from "idempotency_keys" where "id" = ? and "result" is null`, [existing.id]);
    return this.run(claim, call, kept);
  }
}
