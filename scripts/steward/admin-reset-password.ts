import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/database';
import { loadAccountPolicy, loadServiceAddresses } from '../../infra/config';
import { createIdentityServices } from '../../services';
import { type StewardCommand, UsageError } from './command';

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Resets an administrator's password when nobody can sign in; needs only DATABASE_URL. Without
 * --password-stdin it generates one and prints it once. It also enables the administrator again,
 * revokes all their tokens, clears their failed logins, and writes the reset to the audit log.
 */
export const adminResetPassword: StewardCommand = {
  words: ['admin', 'reset-password'],
  usage: '<username> [--password-stdin]',
  summary: "resets an administrator's password when nobody can sign in",
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: { 'password-stdin': { type: 'boolean' } }, allowPositionals: true });
    const [username, ...extra] = positionals;
    if (!username || extra.length > 0) throw new UsageError('give exactly one username');
    const fromStdin = values['password-stdin'] === true;
    const password = fromStdin ? await readPasswordFromStdin() : randomBytes(18).toString('base64url');
    const orm = await openDatabase(loadServiceAddresses().databaseUrl);
    try {
      const { userAccounts } = createIdentityServices(orm.em.fork(), loadAccountPolicy());
      const { revokedTokens } = await userAccounts.resetAdministratorPassword(username, password);
      console.log(`reset the password of "${username}", enabled the account and revoked ${revokedTokens} token(s)`);
      if (!fromStdin) console.log(`new password (shown once): ${password}`);
    } finally {
      await orm.close();
    }
    return 0;
  },
};
