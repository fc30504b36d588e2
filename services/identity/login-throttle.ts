import type { Knex } from '@mikro-orm/postgresql';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';
import type { LoginThrottleLimits } from '../../infra/config';
import { passwordMatches } from './passwords';

/** Created by a migration in the shape rate-limiter-flexible's PostgreSQL store expects. */
const TABLE = 'login_throttle';

export type PasswordCheck = { throttled: true; retryAfterSeconds: number } | { throttled: false; matches: boolean };

/**
 * Counts password attempts per username and per client address in PostgreSQL, so every API
 * process shares the counts. Each attempt is counted before its password is checked, so parallel
 * guesses cannot slip past a limit; a successful one is handed back.
 */
export class LoginThrottle {
  private readonly perUsername: RateLimiterPostgres;
  private readonly perAddress: RateLimiterPostgres;

  constructor(
    private readonly knex: Knex,
    private readonly limits: LoginThrottleLimits,
  ) {
    // Built per unit of work: the table exists already, and expired rows are cleared here, not on a timer.
    const limiter = (keyPrefix: string, points: number) =>
      new RateLimiterPostgres({ storeClient: knex, storeType: 'knex', tableName: TABLE, tableCreated: true, clearExpiredByTimeout: false, keyPrefix, points, duration: limits.windowSeconds });
    this.perUsername = limiter('username', limits.maxFailuresPerUsername);
    this.perAddress = limiter('address', limits.maxFailuresPerAddress);
  }

  /**
   * Checks a password under the throttle. Over either limit the password is not even checked;
   * a match does not count against the username or the address, a mismatch stays counted.
   */
  async checkPassword(username: string, address: string, passwordHash: string | undefined, password: string): Promise<PasswordCheck> {
    const retryAfterSeconds = await this.admit(username, address);
    if (retryAfterSeconds !== null) return { throttled: true, retryAfterSeconds };
    const matches = await passwordMatches(passwordHash, password);
    if (matches) await Promise.all([this.perUsername.reward(username), this.perAddress.reward(address)]);
    // Refused attempts add rows, so they also delete the windows that have run out.
    else await this.knex(TABLE).where('expire', '<', Date.now()).delete();
    return { throttled: false, matches };
  }

  /** Clears a username's failures, for an operator who has just reset its password. */
  async forget(username: string): Promise<void> {
    await this.perUsername.delete(username);
  }

  /** Counts an attempt; over either limit, returns how many seconds until it may be tried again. */
  private async admit(username: string, address: string): Promise<number | null> {
    const counts = await Promise.all([this.perUsername.penalty(username), this.perAddress.penalty(address)]);
    const limits = [this.limits.maxFailuresPerUsername, this.limits.maxFailuresPerAddress];
    const exceeded = counts.filter((count: RateLimiterRes, index) => count.consumedPoints > limits[index]!);
    if (exceeded.length === 0) return null;
    return Math.max(1, ...exceeded.map((count) => Math.ceil(count.msBeforeNext / 1000)));
  }
}
