/**
 * Resets an administrator's password when nobody can sign in. It needs only DATABASE_URL:
 *   npm run admin:reset-password -- <username>                    generates a password and prints it once
 *   npm run admin:reset-password -- <username> --password-stdin   reads the password from stdin
 * It also enables the administrator again, revokes all their tokens, clears their failed logins,
 * and writes the reset to the audit log.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../db/database';
import { DEFAULT_DATABASE_URL, loadAccountPolicy } from '../infra/config';
import { createIdentityServices } from '../services';

const FROM_STDIN = '--password-stdin';

async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const fromStdin = args.includes(FROM_STDIN);
  const [username, ...extra] = args.filter((arg) => arg !== FROM_STDIN);
  if (!username || extra.length > 0) {
    console.error(`usage: npm run admin:reset-password -- <username> [${FROM_STDIN}]`);
    process.exit(2);
  }
  const password = fromStdin ? await readPasswordFromStdin() : randomBytes(18).toString('base64url');
  const orm = await openDatabase(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  try {
    const { userAccounts } = createIdentityServices(orm.em.fork(), loadAccountPolicy());
    const { revokedTokens } = await userAccounts.resetAdministratorPassword(username, password);
    console.log(`reset the password of "${username}", enabled the account and revoked ${revokedTokens} token(s)`);
    if (!fromStdin) console.log(`new password (shown once): ${password}`);
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
