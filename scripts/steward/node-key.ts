import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/database';
import { loadMasterKeyring, loadServiceAddresses, writeMasterKeyFile } from '../../infra/config';
import { masterKeyId } from '../../lib/master-keyring';
import { deriveNodeKey } from '../../lib/node-keys';
import { LOCAL_NODE } from '../../lib/nodes';
import { NodeService } from '../../services/nodes/node-service';
import { type StewardCommand, UsageError } from './command';

/**
 * Writes a registered remote node's key (lib/node-keys.ts) to a new file only its owner may read,
 * for the node's keyless worker (STEWARD_NODE_KEY). Needs the master key, so it runs where the
 * central workers do; the key never reaches the terminal.
 */
export const nodeKey: StewardCommand = {
  words: ['node-key'],
  usage: 'NODE --write-to PATH',
  summary: "writes a remote node's key, for its keyless worker (STEWARD_NODE_KEY), to a new file",
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'write-to': { type: 'string' } } });
    const [node] = positionals;
    const writeTo = values['write-to'];
    if (!node || positionals.length > 1 || !writeTo) throw new UsageError('give the node\'s name and --write-to PATH');
    if (node === LOCAL_NODE) throw new UsageError(`the ${LOCAL_NODE} node's workers hold the master key; only remote nodes have node keys`);
    const keyring = loadMasterKeyring();
    const orm = await openDatabase(loadServiceAddresses().databaseUrl);
    try {
      await new NodeService(orm.em.fork()).assertRegistered(node);
    } finally {
      await orm.close();
    }
    writeMasterKeyFile(writeTo, deriveNodeKey(keyring.current, node));
    console.log(`wrote the key of node "${node}" under master key ${masterKeyId(keyring.current)} to ${writeTo} (mode 0600)`);
    console.log(`On the node, with STEWARD_NODE=${node} and no STEWARD_MASTER_KEY or DATABASE_URL: STEWARD_NODE_KEY="$(cat ${writeTo})"`);
    console.log('Write it again after a master key rotation: the node key follows the master key.');
    return 0;
  },
};
