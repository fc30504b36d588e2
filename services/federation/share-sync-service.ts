import type { EntityManager } from '@mikro-orm/postgresql';
import { RegisteredServer, ServerTaskKind, type ShareRefusal } from '../../db/entities';
import type { ServerIdentityService } from './server-identity';
import { MAX_SHARE_BUNDLE_BYTES, type ShareObject, signShareBundle } from './share-bundle';
import type { ServerTaskLog } from './server-task-log';
import { type PeerAnswer, postShareBundle } from './share-sync-transport';

/**
 * Objects of one bundle are kept to this many serialized bytes: the JWS carries them base64url
 * encoded (4/3 as long) with its header and signatures, and must stay under the target's limit.
 */
const OBJECT_BYTES_PER_BUNDLE = Math.floor(((MAX_SHARE_BUNDLE_BYTES - 8 * 1024) * 3) / 4);

/** Sends one signed bundle to a peer and returns its answer; the default posts it to the peer's GraphQL URL. */
export type ShareTransport = (peer: Pick<RegisteredServer, 'name' | 'graphqlUrl'>, bundle: string) => Promise<PeerAnswer>;

/** What one peer's sync did, summed over its bundles. */
export interface PeerSyncFigures {
  sent: number;
  created: number;
  updated: number;
  withdrawn: number;
  refused: ShareRefusal[];
  bytes: number;
  bundles: number;
}

interface PendingTaskRow {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  enabled: boolean;
  approved_revision: number;
  task_type: string;
  product: string;
}

/**
 * The shared tasks a peer does not hold at their approved revision: never sent, changed since the
 * peer accepted them, withdrawn there and shared again. A revision the peer refused is not sent
 * again until the task changes. Received tasks are never passed on, and a task created awaiting
 * approval (revision 0) is not shared until approved; a change awaiting approval is not in the
 * row at all (services/client-tasks/approvals.ts keeps it apart until approved).
 */
const PENDING_TASKS = `select t."id", t."name", t."settings", t."enabled", t."approved_revision", ty."name" as "task_type", p."name" as "product"
  from "client_tasks" t
  join "client_task_types" ty on ty."id" = t."task_type_id"
  join "products" p on p."id" = ty."product_id"
  left join "share_sync_states" s on s."peer_id" = ? and s."client_task_id" = t."id"
  where t."shared" and t."origin_id" is null and t."approved_revision" > 0
    and (s."id" is null or s."withdrawn" or s."acked_revision" is distinct from t."approved_revision")
    and s."refused_revision" is distinct from t."approved_revision"
  order by t."id"`;

/** Tasks the peer holds (it accepted a revision and no tombstone) that are no longer shared, or deleted. */
const PENDING_TOMBSTONES = `select s."client_task_id" from "share_sync_states" s
  left join "client_tasks" t on t."id" = s."client_task_id"
  where s."peer_id" = ? and not s."withdrawn" and s."acked_revision" is not null and (t."id" is null or not t."shared")
  order by s."client_task_id"`;

/** The peer accepted these revisions: the watermark moves, and an earlier refusal is forgotten. */
const ACCEPTED_TASKS = `insert into "share_sync_states" ("id", "peer_id", "client_task_id", "acked_revision", "withdrawn")
  select gen_random_uuid(), ?, a."id", a."revision", false from jsonb_to_recordset(?::jsonb) as a("id" uuid, "revision" int)
  on conflict ("peer_id", "client_task_id") do update set "acked_revision" = excluded."acked_revision", "withdrawn" = false,
    "refused_revision" = null, "refused_reason" = null, "updated_at" = now()`;

/** The peer refused these revisions: not sent again until the task changes. What it held before stays acknowledged. */
const REFUSED_TASKS = `insert into "share_sync_states" ("id", "peer_id", "client_task_id", "refused_revision", "refused_reason")
  select gen_random_uuid(), ?, r."id", r."revision", r."reason" from jsonb_to_recordset(?::jsonb) as r("id" uuid, "revision" int, "reason" text)
  on conflict ("peer_id", "client_task_id") do update set "refused_revision" = excluded."refused_revision",
    "refused_reason" = excluded."refused_reason", "updated_at" = now()`;

const ACCEPTED_TOMBSTONES = `update "share_sync_states" set "withdrawn" = true, "updated_at" = now()
  where "peer_id" = ? and "client_task_id" in (select "id" from jsonb_to_recordset(?::jsonb) as w("id" uuid))`;

/**
 * The origin's side of sharing (issue 13): what the Share Client Tasks server task sends each
 * registered, enabled peer, and the per-peer watermark (share_sync_states) that makes each run
 * incremental. A watermark moves only for objects the peer's answer accepted.
 */
export class ShareSyncService {
  constructor(
    private readonly em: EntityManager,
    private readonly identity: ServerIdentityService,
    private readonly log: ServerTaskLog,
    private readonly transport: ShareTransport = postShareBundle,
  ) {}

  /** Opens a run of the server task in the log (and Job History); returns the peers to sync. */
  async startRun(workflowId: string): Promise<{ runId: string; peerIds: string[] }> {
    return this.log.open(ServerTaskKind.SHARE_CLIENT_TASKS, workflowId);
  }

  /**
   * Brings one peer up to date: signs what it lacks into bundles under the size limit, posts them
   * in turn, and records each answer (watermarks and figures together) before the next. A failure
   * midway keeps what earlier bundles achieved; the rest is sent on a retry or a later run.
   * With nothing to send, no request is made.
   */
  async syncPeer(runId: string, peerId: string, onBundle: () => void = () => undefined): Promise<PeerSyncFigures> {
    const peer = await this.em.findOne(RegisteredServer, { id: peerId });
    if (!peer?.enabled) throw new Error(`Registered server ${peer?.name ?? peerId} was ${peer ? 'disabled' : 'removed'} during the run`);
    const objects = await this.pendingObjects(peerId);
    const revisions = new Map(objects.flatMap((object) => (object.kind === 'TASK' ? [[object.originTaskId, object.originRevision] as const] : [])));
    const total: PeerSyncFigures = { sent: 0, created: 0, updated: 0, withdrawn: 0, refused: [], bytes: 0, bundles: 0 };
    const signer = objects.length ? await this.identity.signer() : null;
    for (const bundleObjects of inBundles(objects)) {
      const bundle = await signShareBundle(signer!, { audience: peer.name, objects: bundleObjects });
      const answer = await this.transport(peer, bundle);
      const figures = { sent: bundleObjects.length, created: answer.created, updated: answer.updated, withdrawn: answer.withdrawn, refused: answer.refused, bytes: Buffer.byteLength(bundle) };
      await this.recordAnswer(runId, peerId, bundleObjects, revisions, figures);
      for (const key of ['sent', 'created', 'updated', 'withdrawn', 'bytes'] as const) total[key] += figures[key];
      total.refused.push(...figures.refused);
      total.bundles++;
      onBundle();
    }
    await this.log.peerSucceeded(runId, peerId);
    return total;
  }

  /** The peer was not brought up to date after every retry; the run's log says why. */
  async peerFailed(runId: string, peerId: string, error: string): Promise<void> {
    await this.log.peerFailed(runId, peerId, error);
  }

  async finishRun(runId: string) {
    return this.log.finish(runId);
  }

  /** What a run would send the peer now: its changed shared tasks, then tombstones. */
  async pendingObjects(peerId: string): Promise<ShareObject[]> {
    const [tasks, tombstones] = await Promise.all([
      this.em.execute<PendingTaskRow[]>(PENDING_TASKS, [peerId]),
      this.em.execute<{ client_task_id: string }[]>(PENDING_TOMBSTONES, [peerId]),
    ]);
    return [
      ...tasks.map((row): ShareObject => ({
        kind: 'TASK',
        originTaskId: row.id,
        originRevision: row.approved_revision,
        name: row.name,
        product: row.product,
        taskType: row.task_type,
        settings: row.settings,
        enabled: row.enabled,
      })),
      ...tombstones.map((row): ShareObject => ({ kind: 'TOMBSTONE', originTaskId: row.client_task_id })),
    ];
  }

  private async recordAnswer(runId: string, peerId: string, objects: ShareObject[], revisions: Map<string, number>, figures: Omit<PeerSyncFigures, 'bundles'>): Promise<void> {
    const refusedIds = new Map(figures.refused.map((refusal) => [refusal.originTaskId, refusal.reason]));
    const accepted = objects.filter((object) => !refusedIds.has(object.originTaskId));
    const acceptedTasks = accepted.filter((object) => object.kind === 'TASK').map((object) => ({ id: object.originTaskId, revision: revisions.get(object.originTaskId) }));
    const acceptedTombstones = accepted.filter((object) => object.kind === 'TOMBSTONE').map((object) => ({ id: object.originTaskId }));
    // A refused tombstone is sent again next run; a refused task waits for its next revision.
    const refusedTasks = objects
      .filter((object) => object.kind === 'TASK' && refusedIds.has(object.originTaskId))
      .map((object) => ({ id: object.originTaskId, revision: revisions.get(object.originTaskId), reason: refusedIds.get(object.originTaskId) }));
    await this.em.transactional(async (em) => {
      if (acceptedTasks.length) await em.execute(ACCEPTED_TASKS, [peerId, JSON.stringify(acceptedTasks)]);
      if (refusedTasks.length) await em.execute(REFUSED_TASKS, [peerId, JSON.stringify(refusedTasks)]);
      if (acceptedTombstones.length) await em.execute(ACCEPTED_TOMBSTONES, [peerId, JSON.stringify(acceptedTombstones)]);
      await this.log.addFigures(em, runId, peerId, figures);
    });
  }
}

/** Splits the objects into bundles whose serialized objects stay under the per-bundle budget. */
function* inBundles(objects: ShareObject[]): Generator<ShareObject[]> {
  let bundle: ShareObject[] = [];
  let bytes = 0;
  for (const object of objects) {
    const size = Buffer.byteLength(JSON.stringify(object)) + 1;
    if (size > OBJECT_BYTES_PER_BUNDLE) throw new Error(`Shared task ${object.originTaskId} alone is larger than a bundle may be (${MAX_SHARE_BUNDLE_BYTES} bytes)`);
    if (bundle.length && bytes + size > OBJECT_BYTES_PER_BUNDLE) {
      yield bundle;
      bundle = [];
      bytes = 0;
    }
    bundle.push(object);
    bytes += size;
  }
  if (bundle.length) yield bundle;
}
