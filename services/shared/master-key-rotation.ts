import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome } from '../../db/entities';
import type { MasterKeyring } from '../../lib/master-keyring';
import { ServerKeySecrets } from '../federation/server-key-secrets';
import { WebhookSecrets } from '../webhooks/webhook-secrets';
import { addAuditEvent, SYSTEM_ACTOR } from './audit';
import { VaultSecrets } from './vault-secrets';

/** A sealing service's pair of calls: what it sealed bound to `boundTo` opens and seals again the same way. */
interface Sealer<T> {
  open(boundTo: string, sealed: string): T;
  seal(boundTo: string, value: T): string;
}

/** One column of sealed values, and the column of each row that the value is bound to. */
interface SealedColumn {
  table: string;
  column: string;
  boundTo: string;
  reseal(boundTo: string, sealed: string): string;
}

export interface MasterKeyRotation {
  fromKeyId: string;
  toKeyId: string;
  /** Values sealed again, per `table.column`. */
  resealed: Record<string, number>;
}

function resealWith<T>(sealer: Sealer<T>): SealedColumn['reseal'] {
  return (boundTo, sealed) => sealer.seal(boundTo, sealer.open(boundTo, sealed));
}

/** Every sealed column, each with the service that seals it, so purposes and associated data are the services' own. */
function sealedColumns(keyring: MasterKeyring): SealedColumn[] {
  const vault = resealWith(new VaultSecrets(keyring));
  return [
    { table: 'records', column: 'encrypted_password', boundTo: 'id', reseal: vault },
    { table: 'records', column: 'encrypted_pending_password', boundTo: 'id', reseal: vault },
    { table: 'password_history', column: 'encrypted_password', boundTo: 'record_id', reseal: vault },
    { table: 'server_keys', column: 'encrypted_private_key', boundTo: 'id', reseal: resealWith(new ServerKeySecrets(keyring)) },
    { table: 'webhooks', column: 'encrypted_secret', boundTo: 'id', reseal: resealWith(new WebhookSecrets(keyring)) },
  ];
}

/**
 * Seals every secret in the database again with `next`, in one transaction with its audit entry.
 * The rows are locked first, so a change in flight either lands before and is resealed, or waits
 * and lands after. Values open with any key of the rotated keyring: the current and previous keys,
 * and `next` itself, so running the same rotation twice does no harm. Versions stay as they are:
 * the secrets have not changed, only how they are sealed.
 */
export async function rotateMasterKey(em: EntityManager, keyring: MasterKeyring, next: Buffer): Promise<MasterKeyRotation> {
  const rotated = keyring.rotatedTo(next);
  return em.transactional(async (em) => {
    const connection = em.getConnection();
    const resealed: Record<string, number> = {};
    for (const { table, column, boundTo, reseal } of sealedColumns(rotated)) {
      const rows = await connection.execute<{ id: string; bound_to: string; sealed: string }[]>(
        `select id, ${boundTo} as bound_to, ${column} as sealed from ${table} where ${column} is not null order by id for update`,
      );
      for (const row of rows) {
        let value: string;
        try {
          value = reseal(row.bound_to, row.sealed);
        } catch (error) {
          throw new Error(`${table}.${column} of row ${row.id} does not open with the current or a previous master key: ${(error as Error).message}`);
        }
        await connection.execute(`update ${table} set ${column} = ? where id = ?`, [value, row.id]);
      }
      resealed[`${table}.${column}`] = rows.length;
    }
    const rotation = { fromKeyId: keyring.currentId, toKeyId: rotated.currentId, resealed };
    addAuditEvent(em, { actor: SYSTEM_ACTOR, action: 'rotateMasterKey', outcome: AuditOutcome.SUCCESS, details: { ...rotation } });
    return rotation;
  });
}
