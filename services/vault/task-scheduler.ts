import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { EngineCommandKind, FINAL_JOB_STATES, Job, JobState, JobType, type Task, VaultRecord } from '../../db/entities';
import { PolicyEvent, RECURRING_EVENTS } from '../../lib/enums';
import { nextTaskOccurrence, occurrenceSeed, windowAdjusted } from '../../lib/task-occurrences';
import type { EngineOutbox } from '../jobs/engine-outbox';
import { JobService, type NewJob } from '../jobs/job-service';
import { type JobTarget, resolveJobTarget } from './job-target';
import { RecordService } from './record-service';

/** A job's due time, and, when its task's time window holds it back, when it will run. */
export function describeWait(due: Date, runAt: Date): string {
  return runAt.getTime() === due.getTime() ? `due ${due.toISOString()}` : `due ${due.toISOString()}, outside the time window: runs when it opens at ${runAt.toISOString()}`;
}

/**
 * The job of a recurring occurrence after `after` (the first when `previousDue` is null) of the
 * chain's task on the chain's record, for the task's target (resolveJobTarget); null when it has
 * none. The chain's schedule sets the due time, and the task that runs its time window, as for event jobs.
 */
export function occurrenceJob(chain: { record: VaultRecord; task: Task }, target: JobTarget, after: Date, previousDue: Date | null): NewJob | null {
  const occurrence = nextTaskOccurrence(chain.task, chain.record.timeZone, after, {
    previous: previousDue,
    seed: occurrenceSeed(`${chain.record.id}:${chain.task.id}`, previousDue),
  });
  if (!occurrence) return null;
  const runAt = windowAdjusted(target.task, occurrence.due);
  return {
    record: target.record,
    task: target.task,
    chain,
    type: JobType.SCHEDULED,
    scheduledFor: runAt,
    dueAt: occurrence.due,
    triggerEvent: occurrence.event,
    reason: [`Recurring (${occurrence.event})`, target.note, describeWait(occurrence.due, runAt)].filter(Boolean).join('; '),
  };
}

/** The job of a policy event for the task's target, honouring the time window. */
export function eventJob(target: JobTarget, event: PolicyEvent, dueAt: Date, reason: string): NewJob {
  const runAt = windowAdjusted(target.task, dueAt);
  return {
    record: target.record,
    task: target.task,
    type: JobType.EVENT,
    scheduledFor: runAt,
    dueAt,
    triggerEvent: event,
    reason: [reason, target.note, describeWait(dueAt, runAt)].filter(Boolean).join('; '),
  };
}

/**
 * Turns policy events into jobs. Recurring events keep exactly one upcoming occurrence per record
 * and task (the chain; its jobs run for the record the task targets) as a Scheduled job (visible
 * in Job History before it runs); each occurrence schedules the next when it starts or is
 * cancelled. Event jobs (record changes, unlocks) are created when the event happens. Every job
 * honours its task's time window.
 */
export class TaskScheduler {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
    private readonly records: RecordService,
    private readonly outbox: EngineOutbox,
  ) {}

  /**
   * After the record's tasks (or the record) changed: upcoming recurring jobs of its chains are
   * replaced by the current configuration's, and open jobs of tasks that no longer apply are
   * cancelled. Another record's occurrence that targets this one is rescheduled too, since the
   * change may move its target.
   */
  async rescheduleRecord(recordId: string, reason: string): Promise<void> {
    const record = await this.em.findOneOrFail(VaultRecord, { id: recordId });
    const tasks = await this.records.tasksOf(record);
    const applicable = new Set(tasks.map((task) => task.id));
    const open = await this.em.find(Job, {
      $or: [{ record: recordId }, { chainRecord: recordId }],
      state: JobState.SCHEDULED,
      type: { $in: [JobType.SCHEDULED, JobType.EVENT] },
    });
    const otherChains: Job[] = [];
    for (const job of open) {
      const chainRecordId = job.chainRecord?.id;
      if (chainRecordId && chainRecordId !== recordId) otherChains.push(job);
      if (chainRecordId || !job.task || !applicable.has(job.task.id)) await this.cancel(job, `Rescheduled: ${reason}`);
    }
    for (const task of tasks) {
      if (task.policyEvents.some((event) => RECURRING_EVENTS.includes(event))) {
        await this.scheduleNextOccurrence(record, task, new Date(), await this.lastOccurrenceDue(record.id, task.id));
      }
    }
    for (const job of otherChains) {
      const chain = await this.chainOf(job);
      if (chain) await this.scheduleNextOccurrence(chain.record, chain.task, new Date(), await this.lastOccurrenceDue(chain.record.id, chain.task.id));
    }
  }

  /** When the chain's last occurrence that ran was due, so x-to-y-days ranges count from it, not from the edit. */
  private async lastOccurrenceDue(chainRecordId: string, chainTaskId: string): Promise<Date | null> {
    const last = await this.em.findOne(
      Job,
      {
        chainRecord: chainRecordId,
        chainTask: chainTaskId,
        type: { $in: [JobType.SCHEDULED, JobType.MANUAL_RUN] },
        state: { $in: [JobState.RUNNING, JobState.COMPLETED, JobState.ERROR] },
        dueAt: { $ne: null },
      },
      { orderBy: { dueAt: 'desc' } },
    );
    return last?.dueAt ?? null;
  }

  /** The record and task of the occurrence's chain, while the task still applies to the record. */
  private async chainOf(job: Job): Promise<{ record: VaultRecord; task: Task } | null> {
    if (!job.chainRecord || !job.chainTask) return null;
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.chainRecord.id });
    const task = (await this.records.tasksOf(record)).find((candidate) => candidate.id === job.chainTask!.id);
    return task ? { record, task } : null;
  }

  /**
   * Cancels every open job of the record, and of its recurrence chains wherever they target, e.g.
   * before it is deleted: no orphan workflow keeps firing.
   */
  async cancelOpenJobs(recordId: string, reason: string): Promise<void> {
    const open = await this.em.find(Job, { $or: [{ record: recordId }, { chainRecord: recordId }], state: { $nin: [...FINAL_JOB_STATES] } });
    for (const job of open) await this.cancel(job, reason);
  }

  /**
   * Re-seeds recurrence chains that lost their upcoming occurrence (a start that never took, a
   * crash between two steps): each recurring task of a record with no Scheduled or Running
   * occurrence, and none that changed within `graceMs` (its next one may be on its way), gets its
   * next occurrence. Returns how many chains it re-seeded.
   */
  async reseedBrokenChains(graceMs = 60_000, limit = 500): Promise<number> {
    const broken: { record_id: string; task_id: string }[] = await this.em.execute(
      `select "r"."id" as "record_id", "t"."id" as "task_id"
       from "records" "r"
       join "tasks" "t" on (case when "r"."tasks_unique" then "t"."record_id" = "r"."id" else "t"."record_type_id" = "r"."record_type_id" end)
       where "t"."policy_events" && ?::text[]
         and not exists (
           select 1 from "jobs" "j" where "j"."chain_record_id" = "r"."id" and "j"."chain_task_id" = "t"."id" and "j"."trigger_event" = any(?::text[])
             and ("j"."state" in ('SCHEDULED', 'RUNNING') or "j"."updated_at" > now() - (? * interval '1 millisecond')))
       limit ?`,
      [`{${RECURRING_EVENTS.join(',')}}`, `{${RECURRING_EVENTS.join(',')}}`, graceMs, limit],
    );
    for (const { record_id: recordId, task_id: taskId } of broken) {
      const record = await this.em.findOneOrFail(VaultRecord, { id: recordId });
      const task = (await this.records.tasksOf(record)).find((candidate) => candidate.id === taskId);
      if (task) await this.scheduleNextOccurrence(record, task, new Date(), await this.lastOccurrenceDue(record.id, task.id));
    }
    return broken.length;
  }

  /** The occurrence that follows `job` (a recurring one that started or was cancelled). */
  async continueRecurrence(job: Job): Promise<void> {
    // A Manual Run of an occurrence (Run pressed early) continues the recurrence too.
    const occurrence = job.type === JobType.SCHEDULED || job.type === JobType.MANUAL_RUN;
    if (!occurrence || !job.triggerEvent || !RECURRING_EVENTS.includes(job.triggerEvent) || !job.dueAt) return;
    const chain = await this.chainOf(job);
    if (chain) await this.scheduleNextOccurrence(chain.record, chain.task, job.dueAt, job.dueAt);
  }

  /** Event jobs for every applicable task with the event, due at `dueAt` (then the time window). */
  async fireEvent(record: VaultRecord, event: PolicyEvent, dueAt: Date, reason: string): Promise<Job[]> {
    const tasks = (await this.records.tasksOf(record)).filter((task) => task.policyEvents.includes(event));
    const created: Job[] = [];
    for (const task of tasks) created.push(await this.createEventJob(record, task, event, dueAt, reason));
    return created;
  }

  /**
   * An unlock or a check-out reveals the password: each AFTER_UNLOCK task gets a job n minutes
   * later. A job still waiting from an earlier reveal is kept, not postponed, so the password
   * revealed first changes n minutes after that first reveal however often it is revealed again.
   * (A job that has started may already have rotated it, so a reveal after that queues a new one.)
   */
  async onUnlock(record: VaultRecord, by: string): Promise<void> {
    const tasks = (await this.records.tasksOf(record)).filter((task) => task.policyEvents.includes(PolicyEvent.AFTER_UNLOCK));
    for (const task of tasks) {
      const dueAt = new Date(Date.now() + task.minutesAfterUnlock! * 60_000);
      await this.createEventJobUnlessWaiting(record, task, PolicyEvent.AFTER_UNLOCK, dueAt, `${task.minutesAfterUnlock} minutes after ${by} revealed the password`);
    }
  }

  /**
   * A session on the record ended: each AFTER_SESSION task gets a job, unless one is still
   * waiting (a deferred one waits in its workflow until no session is active in the record's
   * group), so start/end loops queue at most one. Every deferred job waiting in the group is
   * woken to count again.
   */
  async onSessionEnded(record: VaultRecord, group: string[]): Promise<void> {
    const tasks = (await this.records.tasksOf(record)).filter((task) => task.policyEvents.includes(PolicyEvent.AFTER_SESSION));
    for (const task of tasks) {
      const reason = task.deferUntilSessionsEnd ? 'A session ended; deferred until the last active session ends' : 'A session ended';
      await this.createEventJobUnlessWaiting(record, task, PolicyEvent.AFTER_SESSION, new Date(), reason);
    }
    const deferred = await this.em.find(Job, { record: { $in: group }, triggerEvent: PolicyEvent.AFTER_SESSION, state: JobState.SCHEDULED });
    for (const job of deferred) this.outbox.add(this.em, { kind: EngineCommandKind.SESSIONS_CHANGED, workflowId: job.workflowId, subjectId: job.id });
    await this.em.flush();
    await this.outbox.deliverSoon(deferred.map((job) => job.workflowId));
  }

  /** An event job, unless the target's task already has one for this event that has not started: that one covers it. */
  private async createEventJobUnlessWaiting(record: VaultRecord, task: Task, event: PolicyEvent, dueAt: Date, reason: string): Promise<void> {
    const target = await resolveJobTarget(this.em, this.records, record, task);
    const waiting = await this.em.count(Job, { record: target.record.id, task: target.task.id, triggerEvent: event, state: JobState.SCHEDULED });
    if (waiting === 0) await this.launchEventJob(target, event, dueAt, reason);
  }

  /** An event job, for the task's target record, honouring the time window. */
  private async createEventJob(record: VaultRecord, task: Task, event: PolicyEvent, dueAt: Date, reason: string): Promise<Job> {
    return this.launchEventJob(await resolveJobTarget(this.em, this.records, record, task), event, dueAt, reason);
  }

  private async launchEventJob(target: JobTarget, event: PolicyEvent, dueAt: Date, reason: string): Promise<Job> {
    return this.jobs.createAndLaunch(eventJob(target, event, dueAt, reason));
  }

  /** The chain's next occurrence, for the task's target record (Target Record), unless it is already scheduled. */
  private async scheduleNextOccurrence(record: VaultRecord, task: Task, after: Date, previousDue: Date | null): Promise<void> {
    const occurrence = occurrenceJob({ record, task }, await resolveJobTarget(this.em, this.records, record, task), after, previousDue);
    if (!occurrence) return;
    // A job that ended in Error without starting (its start failed, before the outbox) never was the occurrence.
    const existing = await this.em.findOne(Job, {
      chainRecord: record.id,
      chainTask: task.id,
      type: JobType.SCHEDULED,
      dueAt: occurrence.dueAt!,
      state: { $ne: JobState.CANCELLED },
      $not: { state: JobState.ERROR, startedAt: null },
    });
    if (existing) return;
    try {
      await this.jobs.createAndLaunch(occurrence);
    } catch (error) {
      // Scheduled at the same moment by another process: one upcoming occurrence is all a chain needs.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
  }

  private async cancel(job: Job, reason: string): Promise<void> {
    this.outbox.add(this.em, { kind: EngineCommandKind.CANCEL_JOB, workflowId: job.workflowId, subjectId: job.id });
    await this.jobs.finish(job.id, JobState.CANCELLED, reason);
    await this.em.flush();
    await this.outbox.deliverSoon([job.workflowId]);
  }
}
