import { existsSync } from 'node:fs';
import { GENERATED_MASTER_KEY_FILE, keyFileExposure, loadMasterKeyring, loadServiceAddresses } from '../../infra/config';
import { type StewardCommand, UsageError } from './command';
import { type CheckResult, errorMessage, fail, formatCheck, ok, warn } from './doctor-check';
import { checkDatabase } from './doctor-database';
import { checkTemporal } from './doctor-temporal';

/** The master key parses, and a key file npm start generated is its owner's alone. */
function checkMasterKey(env: NodeJS.ProcessEnv): CheckResult {
  if (env.STEWARD_MASTER_KEY) {
    try {
      const keyring = loadMasterKeyring(env);
      return ok('master key', `from STEWARD_MASTER_KEY, key ${keyring.currentId}, ${keyring.previous.length} previous key(s)`);
    } catch (error) {
      return fail('master key', errorMessage(error), 'set STEWARD_MASTER_KEY (and STEWARD_PREVIOUS_MASTER_KEYS) to base64 of 32 bytes each');
    }
  }
  if (!existsSync(GENERATED_MASTER_KEY_FILE)) {
    return warn('master key', `STEWARD_MASTER_KEY is not set and there is no ${GENERATED_MASTER_KEY_FILE} here`, 'set STEWARD_MASTER_KEY for api.js and worker.js (npm start generates the file)');
  }
  const exposure = keyFileExposure(GENERATED_MASTER_KEY_FILE);
  if (exposure) return fail('master key', exposure, `chmod 600 ${GENERATED_MASTER_KEY_FILE}`);
  return ok('master key', `${GENERATED_MASTER_KEY_FILE} is readable by its owner only`);
}

/**
 * Checks what Steward needs around it and prints one line per check; exits with 1 when any
 * fails. Reads DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the master key settings.
 */
export const doctor: StewardCommand = {
  words: ['doctor'],
  usage: '',
  summary: 'checks PostgreSQL, Temporal, the workers and the master key, one line per check',
  async run(args) {
    if (args.length > 0) throw new UsageError('doctor takes no arguments');
    const { databaseUrl, temporalAddress, temporalNamespace } = loadServiceAddresses();
    const database = await checkDatabase(databaseUrl).catch((error: unknown) => ({
      results: [fail('postgres', `a check failed (${errorMessage(error)})`, 'check DATABASE_URL and the database user’s rights')],
      nodes: undefined,
    }));
    const unread = database.nodes ? [] : [warn('nodes', 'no worker node checked: the list is read from PostgreSQL', 'fix the postgres and migrations checks first')];
    const results = [...database.results, ...unread, ...(await checkTemporal(temporalAddress, temporalNamespace, database.nodes)), checkMasterKey(process.env)];
    for (const result of results) console.log(formatCheck(result));
    return results.some((result) => result.status === 'FAIL') ? 1 : 0;
  },
};
