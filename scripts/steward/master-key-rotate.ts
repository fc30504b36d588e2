import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/database';
import { loadMasterKeyring, loadServiceAddresses, readMasterKeyFile, writeMasterKeyFile } from '../../infra/config';
import { masterKeyId } from '../../lib/master-keyring';
import { rotateMasterKey } from '../../services/shared/master-key-rotation';
import { type StewardCommand, UsageError } from './command';

/**
 * Seals every secret in the database again with a new master key; needs only DATABASE_URL,
 * STEWARD_MASTER_KEY and STEWARD_PREVIOUS_MASTER_KEYS. The new key comes from a file the operator
 * made (--new-key-file), or is generated and written to a new file first (--write-new-key), so it
 * is saved before anything is sealed with it.
 */
export const masterKeyRotate: StewardCommand = {
  words: ['master-key', 'rotate'],
  usage: '(--new-key-file PATH | --write-new-key PATH)',
  summary: 'seals every secret in the database again with a new master key',
  async run(args) {
    const { values } = parseArgs({ args, options: { 'new-key-file': { type: 'string' }, 'write-new-key': { type: 'string' } } });
    const keyFile = values['new-key-file'];
    const writeTo = values['write-new-key'];
    if (!keyFile === !writeTo) throw new UsageError('give one of --new-key-file PATH (a key you made) and --write-new-key PATH (where to write a generated one)');
    const keyring = loadMasterKeyring();
    const next = keyFile ? readMasterKeyFile(keyFile) : randomBytes(32);
    if (next.equals(keyring.current)) throw new Error(`the new key is the current master key (${keyring.currentId}): nothing to rotate to`);
    if (writeTo) {
      writeMasterKeyFile(writeTo, next);
      console.log(`wrote the new master key ${masterKeyId(next)} to ${writeTo} (mode 0600)`);
    }

    const orm = await openDatabase(loadServiceAddresses().databaseUrl);
    try {
      const rotation = await rotateMasterKey(orm.em.fork(), keyring, next);
      const counts = Object.entries(rotation.resealed).map(([column, count]) => `${column} ${count}`);
      console.log(`resealed with master key ${rotation.toKeyId} (was ${rotation.fromKeyId}): ${counts.join(', ')}; audited as rotateMasterKey`);
    } catch (error) {
      if (writeTo) console.error(`nothing was resealed: the key in ${writeTo} seals nothing yet`);
      throw error;
    } finally {
      await orm.close();
    }

    // Key material stays in files and the environment, never on the terminal: the settings are
    // printed as shell expressions over the current environment, with key IDs to check them by.
    const previousIds = keyring.rotatedTo(next).previous.map(masterKeyId);
    const previousFrom = keyring.previous.length ? '$STEWARD_MASTER_KEY,$STEWARD_PREVIOUS_MASTER_KEYS' : '$STEWARD_MASTER_KEY';
    const newKeyFrom = keyFile ?? writeTo;
    console.log('Set these for the API and every worker, in this order, then restart them; keep the previous keys while Temporal keeps histories sealed with them:');
    console.log(`STEWARD_PREVIOUS_MASTER_KEYS="${previousFrom}"  # keys ${previousIds.join(', ')}`);
    console.log(`STEWARD_MASTER_KEY="$(cat ${newKeyFrom})"  # key ${masterKeyId(next)}`);
    return 0;
  },
};
