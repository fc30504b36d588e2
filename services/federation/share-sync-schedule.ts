import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditOutcome } from '../../db/entities';
import type { ServerTaskScheduleState, ShareSchedule } from '../ports';
import { type Actor, addAuditEvent } from '../shared/audit';
import { BadInputError } from '../shared/errors';

/** From a minute (a run's bundles are valid for five) to a week. */
export const MIN_SHARE_INTERVAL_SECONDS = 60;
export const MAX_SHARE_INTERVAL_SECONDS = 7 * 86_400;

/** What administrators do with the Share Client Tasks server task's schedule; each change is audited. */
export class ShareSyncScheduleService {
  constructor(
    private readonly em: EntityManager,
    private readonly schedule: ShareSchedule,
  ) {}

  describe(): Promise<ServerTaskScheduleState> {
    return this.schedule.describe();
  }

  /** Sets the interval, pauses or resumes; what is not given stays as it is. */
  async update(actor: Actor, change: { intervalSeconds?: number | null; paused?: boolean | null }): Promise<ServerTaskScheduleState> {
    const { intervalSeconds, paused } = change;
    if (intervalSeconds != null && (!Number.isInteger(intervalSeconds) || intervalSeconds < MIN_SHARE_INTERVAL_SECONDS || intervalSeconds > MAX_SHARE_INTERVAL_SECONDS)) {
      throw new BadInputError(`The interval must be whole seconds from ${MIN_SHARE_INTERVAL_SECONDS} to ${MAX_SHARE_INTERVAL_SECONDS}`, 'intervalSeconds');
    }
    if (intervalSeconds != null) await this.schedule.setInterval(intervalSeconds);
    if (paused === true) await this.schedule.pause(`Paused by ${actor.name}`);
    if (paused === false) await this.schedule.unpause(`Resumed by ${actor.name}`);
    return this.audited(actor, 'updateShareClientTasksSchedule', { intervalSeconds, paused });
  }

  async runNow(actor: Actor): Promise<ServerTaskScheduleState> {
    await this.schedule.runNow();
    return this.audited(actor, 'runShareClientTasksNow');
  }

  private async audited(actor: Actor, action: string, details?: Record<string, unknown>): Promise<ServerTaskScheduleState> {
    addAuditEvent(this.em, { actor, action, target: { type: 'ServerTask', id: 'SHARE_CLIENT_TASKS' }, outcome: AuditOutcome.SUCCESS, ...(details ? { details } : {}) });
    await this.em.flush();
    return this.schedule.describe();
  }
}
