import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome, ClientRun, ClientTaskAssignment } from '../../db/entities';
import { nextAssignmentFire } from '../../lib/assignment-occurrences';
import { ScheduleKind, TimeBasis } from '../../lib/enums';
import { addAuditEvent, SYSTEM_ACTOR } from '../shared/audit';
import { timeZonesInScope } from './scope';
import type { AssignmentSchedule } from '../../lib/assignment-occurrences';
import type { ClientRunService } from '../client-tasks/runs/client-run-service';
import type { ClientWorkflows } from '../ports';

/** One firing of an assignment: its fire time, the time zones it covers (null: every system, for UTC), and when its jobs may start. */
export interface AssignmentFiring {
  /** ISO 8601: when the schedule came due. */
  firedAt: string;
  timeZones: (string | null)[];
  /** ISO 8601: when the firing happens; later than firedAt only for a missed run that runs late. */
  startAt: string;
}

/** A fire time this far in the past when it is reached still counts as on time (a busy worker, a slow poll). */
const ON_TIME_GRACE_MS = 2 * 60_000;
/** How many missed fire times are skipped over looking for the latest one; bounds the work after a very long outage. */
const MAX_MISSED_SCAN = 10_000;

interface Candidate {
  firedAt: Date;
  startAt: Date;
  timeZone: string | null;
}

/** A missed fire time that will not run, and why. */
interface SkippedFiring {
  firedAt: Date;
  timeZone: string | null;
  reason: string;
}

const SKIP_ACTION = 'skipAssignmentFiring';

/** When a scheduled assignment fires next, and firing it: the assignment's workflow calls these. */
export class AssignmentScheduleService {
  constructor(
    private readonly em: EntityManager,
    private readonly clientRuns: ClientRunService,
    private readonly workflows: ClientWorkflows,
  ) {}

  /**
   * The next firing after `after` (or, without it, after the last run or the last edit of the
   * schedule). A fire time already well past (the server was down) runs once, late, after the
   * optional delay, when the schedule says to run missed tasks; otherwise it is skipped, and the
   * assignment's audit trail says so.
   */
  async nextFiring(assignmentId: string, after: Date | null, now = new Date()): Promise<AssignmentFiring | null> {
    const assignment = await this.em.findOne(ClientTaskAssignment, { id: assignmentId });
    if (!assignment) return null;
    const { schedule } = assignment;
    if (schedule.kind === ScheduleKind.IMMEDIATELY) {
      // Fires once, when its schedule starts (or is edited); a firing that found the task disabled is not repeated.
      if (after) return null;
      const fired = await this.em.count(ClientRun, { assignment: assignmentId });
      return fired ? null : { firedAt: assignment.updatedAt.toISOString(), timeZones: [null], startAt: now.toISOString() };
    }
    const since = after ?? (await this.lastFiringOrEdit(assignment));
    const zones = schedule.timeBasis === TimeBasis.UTC ? [null] : await timeZonesInScope(this.em, assignmentId);
    const skipped: SkippedFiring[] = [];
    const candidates = zones.map((zone) => this.candidate(schedule, since, zone, now, skipped)).filter((candidate): candidate is Candidate => candidate !== null);
    for (const skip of skipped) await this.recordSkip(assignmentId, skip);
    if (!candidates.length) return null;
    const first = candidates.reduce((soonest, candidate) => (candidate.startAt < soonest.startAt ? candidate : soonest));
    const together = candidates.filter((candidate) => candidate.firedAt.getTime() === first.firedAt.getTime() && candidate.startAt.getTime() === first.startAt.getTime());
    return { firedAt: first.firedAt.toISOString(), timeZones: together.map((candidate) => candidate.timeZone), startAt: first.startAt.toISOString() };
  }

  /**
   * Starts the schedule of every assignment that still has fire times but no running schedule (say,
   * Temporal was unreachable when it was made). Returns how many it started.
   */
  async ensureSchedules(now = new Date()): Promise<number> {
    const running = await this.workflows.runningSchedules();
    const assignments = await this.em.find(ClientTaskAssignment, { id: { $nin: [...running] } }, { fields: ['id'] });
    let started = 0;
    for (const { id } of assignments) {
      if (!(await this.nextFiring(id, null, now))) continue;
      await this.workflows.scheduleChanged(id);
      started++;
    }
    return started;
  }

  /** Fires the assignment in each time zone; returns how many runs it started. */
  async fire(assignmentId: string, firedAt: Date, timeZones: (string | null)[], startAt: Date = firedAt): Promise<number> {
    let started = 0;
    for (const timeZone of timeZones) {
      if (await this.clientRuns.fireAssignment(assignmentId, firedAt, timeZone, startAt)) started++;
    }
    return started;
  }

  private candidate(schedule: AssignmentSchedule, since: Date, timeZone: string | null, now: Date, skipped: SkippedFiring[]): Candidate | null {
    const zone = timeZone ?? 'UTC';
    const next = nextAssignmentFire(schedule, since, zone);
    if (!next) return null;
    if (next.getTime() >= now.getTime() - ON_TIME_GRACE_MS) return { firedAt: next, startAt: next, timeZone };
    // Missed: find the latest fire time that has passed, then run it late or skip to the next one.
    let latest = next;
    for (let scanned = 0; scanned < MAX_MISSED_SCAN; scanned++) {
      const following = nextAssignmentFire(schedule, latest, zone);
      if (!following || following > now) break;
      latest = following;
    }
    if (schedule.runMissed) {
      const startAt = new Date(now.getTime() + (schedule.runMissedDelayMinutes ?? 0) * 60_000);
      return { firedAt: latest, startAt, timeZone };
    }
    const upcoming = nextAssignmentFire(schedule, now, zone);
    const ends = upcoming ? '' : '; the end date has passed, so the schedule fires no more';
    skipped.push({ firedAt: latest, timeZone, reason: `Run missed task is off: the firing due ${latest.toISOString()} was missed and is skipped${ends}` });
    return upcoming ? { firedAt: upcoming, startAt: upcoming, timeZone } : null;
  }

  /**
   * No job exists for a skipped firing, so the reason goes to the assignment's audit trail, where
   * its firings are; once per fire time and zone, however often the next firing is worked out.
   */
  private async recordSkip(assignmentId: string, skip: SkippedFiring): Promise<void> {
    const firedAt = skip.firedAt.toISOString();
    // The assignment's workflow and a reconciliation pass may work out the same firing at once:
    // the lock makes the check and the insert one step, so the entry is written once.
    await this.em.fork().transactional(async (em) => {
      await em.execute(`select pg_advisory_xact_lock(hashtext(?))`, [`${SKIP_ACTION}:${assignmentId}`]);
      const [known]: { id: string }[] = await em.execute(
        `select "id" from "audit_events" where "action" = ? and "target_id" = ? and "details"->>'firedAt' = ? and "details"->>'timeZone' is not distinct from ? limit 1`,
        [SKIP_ACTION, assignmentId, firedAt, skip.timeZone],
      );
      if (known) return;
      addAuditEvent(em, {
        actor: SYSTEM_ACTOR,
        action: SKIP_ACTION,
        target: { type: 'ClientTaskAssignment', id: assignmentId },
        outcome: AuditOutcome.SUCCESS,
        details: { firedAt, timeZone: skip.timeZone, reason: skip.reason },
      });
    });
  }

  private async lastFiringOrEdit(assignment: ClientTaskAssignment): Promise<Date> {
    const [last] = await this.em.find(ClientRun, { assignment: assignment.id }, { orderBy: { firedAt: 'desc' }, limit: 1, fields: ['firedAt'] });
    return last && last.firedAt > assignment.updatedAt ? last.firedAt : assignment.updatedAt;
  }
}
