import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, Job, JobEvent, JobEventKind, JobState, JobType, RegisteredServer, ServerTaskKind, ServerTaskPeerResult, ServerTaskRun, type ShareRefusal } from '../../db/entities';
import { LOCAL_NODE } from '../../lib/nodes';
import type { JobService } from '../jobs/job-service';
import { addAuditEvent, SYSTEM_ACTOR } from '../shared/audit';
import { type Page, type PageRequest, paginateNewestFirst } from '../shared/pagination';

const TASK_NAMES: Record<ServerTaskKind, string> = {
  [ServerTaskKind.SHARE_CLIENT_TASKS]: 'Share Client Tasks',
};

/** What one answered bundle added to a peer's figures. */
export interface PeerFigures {
  sent: number;
  created: number;
  updated: number;
  withdrawn: number;
  refused: ShareRefusal[];
  bytes: number;
}

/**
 * The server task log: one entry per run of a server task, with a result per peer, and the same
 * run as a job in Job History (type SERVER_TASK, its Temporal workflow's ID), so the reconciler
 * ends it if its workflow is terminated.
 */
export class ServerTaskLog {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
  ) {}

  /**
   * Opens the run of a workflow with a result for each registered, enabled peer, or finds the one a
   * retried call opened. Returns the peers the run is for.
   */
  async open(task: ServerTaskKind, workflowId: string): Promise<{ runId: string; peerIds: string[] }> {
    const existing = await this.em.findOne(ServerTaskRun, { workflowId }, { populate: ['peers'] });
    if (existing) return { runId: existing.id, peerIds: existing.peers.getItems().flatMap((result) => (result.peer ? [result.peer.id] : [])) };
    const peers = await this.em.find(RegisteredServer, { enabled: true }, { orderBy: { name: 'asc' } });
    const run = await this.em.transactional(async (em) => {
      const taskName = TASK_NAMES[task];
      const job = em.create(Job, { taskName, type: JobType.SERVER_TASK, state: JobState.RUNNING, nodeName: LOCAL_NODE, workflowId, startedAt: new Date() });
      em.create(JobEvent, { job, kind: JobEventKind.STARTED, message: `${taskName} started for ${peers.length} registered server(s)`, at: new Date() });
      const created = em.create(ServerTaskRun, { task, workflowId, job });
      for (const peer of peers) em.create(ServerTaskPeerResult, { run: created, peer, peerName: peer.name, succeeded: false });
      return created;
    });
    return { runId: run.id, peerIds: peers.map((peer) => peer.id) };
  }

  /** Adds what one answered bundle did to the peer's figures, in the caller's transaction (with the watermarks it moved). */
  async addFigures(em: EntityManager, runId: string, peerId: string, figures: PeerFigures): Promise<void> {
    await em.execute(
      `update "server_task_peer_results" set "sent" = "sent" + ?, "created" = "created" + ?, "updated" = "updated" + ?, "withdrawn" = "withdrawn" + ?,
         "refused" = "refused" || ?::jsonb, "bytes" = "bytes" + ?, "updated_at" = now() where "run_id" = ? and "peer_id" = ?`,
      [figures.sent, figures.created, figures.updated, figures.withdrawn, JSON.stringify(figures.refused), figures.bytes, runId, peerId],
    );
  }

  /** The peer is up to date for this run; audited with its figures. */
  async peerSucceeded(runId: string, peerId: string): Promise<ServerTaskPeerResult> {
    const result = await this.em.findOneOrFail(ServerTaskPeerResult, { run: runId, peer: peerId }, { refresh: true });
    result.succeeded = true;
    result.error = null;
    this.auditPeer(result, AuditOutcome.SUCCESS);
    await this.em.flush();
    return result;
  }

  /**
   * The peer could not be brought up to date (down, or it refused the bundle); a later run catches
   * up. A peer removed during the run has lost its result with its registration: nothing to record.
   */
  async peerFailed(runId: string, peerId: string, error: string): Promise<void> {
    const result = await this.em.findOne(ServerTaskPeerResult, { run: runId, peer: peerId }, { refresh: true });
    if (!result) return;
    result.succeeded = false;
    result.error = error.slice(0, 2000);
    this.auditPeer(result, AuditOutcome.FAILURE);
    await this.em.flush();
  }

  /** Ends the run and its job: Completed when every peer is up to date, Error otherwise. */
  async finish(runId: string): Promise<ServerTaskRun> {
    const run = await this.em.findOneOrFail(ServerTaskRun, { id: runId }, { populate: ['peers'], refresh: true });
    if (run.finishedAt) return run;
    const results = run.peers.getItems();
    const failed = results.filter((result) => !result.succeeded);
    run.state = failed.length ? JobState.ERROR : JobState.COMPLETED;
    run.finishedAt = new Date();
    await this.em.flush();
    if (run.job) await this.jobs.finish(run.job.id, run.state, summary(results, failed));
    return run;
  }

  /** The log, newest run first. */
  async list(page: PageRequest): Promise<Page<ServerTaskRun>> {
    return paginateNewestFirst(this.em, ServerTaskRun, {}, page);
  }

  private auditPeer(result: ServerTaskPeerResult, outcome: AuditOutcome): void {
    addAuditEvent(this.em, {
      actor: SYSTEM_ACTOR,
      action: 'shareClientTasks',
      target: { type: 'RegisteredServer', id: result.peer?.id ?? result.peerName },
      outcome,
      details: { runId: result.run.id, peer: result.peerName, sent: result.sent, created: result.created, updated: result.updated, withdrawn: result.withdrawn, refused: result.refused, bytes: result.bytes, ...(result.error ? { error: result.error } : {}) },
    });
  }
}

function summary(results: ServerTaskPeerResult[], failed: ServerTaskPeerResult[]): string {
  const sent = results.reduce((total, result) => total + result.sent, 0);
  const refused = results.reduce((total, result) => total + result.refused.length, 0);
  const figures = `${sent} object(s) sent to ${results.length} registered server(s), ${refused} refused`;
  if (!failed.length) return figures;
  return `${figures}; not reached: ${failed.map((result) => `${result.peerName} (${result.error ?? 'no answer'})`).join(', ')}`;
}
