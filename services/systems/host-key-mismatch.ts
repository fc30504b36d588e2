import type { EntityManager } from '@mikro-orm/postgresql';
import type { HostKeyMismatchError } from '../../infra/ssh';

/** What a worker saw of a host key other than the pinned one: plain data, for a node to hand to the central worker. */
export type HostKeySeen = Pick<HostKeyMismatchError, 'host' | 'port' | 'expected' | 'actual'>;

/** The plain data of a refused host key. */
export function hostKeySeen({ host, port, expected, actual }: HostKeySeen): HostKeySeen {
  return { host, port, expected, actual };
}

/** A host key that did not match the pin of a record or system, while that pin stands. */
export interface HostKeyMismatchView {
  pinned: string;
  seen: string;
  seenAt: Date;
}

interface PinHolder {
  hostKeyFingerprint: string;
  hostKeyMismatchPinned?: string | null;
  hostKeyMismatchSeen?: string | null;
  hostKeyMismatchSeenAt?: Date | null;
}

/**
 * Notes a refused host key on every record and system that pins the same key for that host and
 * port. Written in its own unit of work, so the job's failure does not roll it back.
 */
export async function reportHostKeyMismatch(em: EntityManager, error: HostKeySeen): Promise<void> {
  const connection = em.fork().getConnection();
  for (const table of ['records', 'managed_systems']) {
    await connection.execute(
      `update "${table}" set "host_key_mismatch_pinned" = "host_key_fingerprint", "host_key_mismatch_seen" = ?, "host_key_mismatch_seen_at" = now()
       where "host" = ? and "port" = ? and "host_key_fingerprint" = ?`,
      [error.actual, error.host, error.port, error.expected],
    );
  }
}

/** The mismatch to show, or none once an administrator pinned another key. */
export function hostKeyMismatchOf(holder: PinHolder): HostKeyMismatchView | null {
  const { hostKeyMismatchPinned: pinned, hostKeyMismatchSeen: seen, hostKeyMismatchSeenAt: seenAt } = holder;
  if (!pinned || !seen || !seenAt || pinned !== holder.hostKeyFingerprint) return null;
  return { pinned, seen, seenAt };
}
