import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, JobType, ServerSettings, Task, VaultRecord } from '../../db/entities';
import type { Actor } from '../shared/audit';
import { BadInputError } from '../shared/errors';
import { changeServerSettings } from '../shared/server-settings';
import type { JobService } from '../jobs/job-service';

export interface FallbackSettingsUpdate {
  enabled: boolean;
  frequencySeconds: number;
  cycles: number;
  /** The version the caller read; a stale one is refused with CONFLICT. */
  version: number;
}

/** The global fallback setting, and the Fallback jobs that re-run failed ones. */
export class FallbackService {
  constructor(
    private readonly em: EntityManager,
    private readonly jobs: JobService,
  ) {}

  settings(): Promise<ServerSettings> {
    return this.em.findOneOrFail(ServerSettings, { id: 1 });
  }

  async updateSettings(actor: Actor, update: FallbackSettingsUpdate): Promise<ServerSettings> {
    if (!Number.isInteger(update.frequencySeconds) || update.frequencySeconds < 1 || update.frequencySeconds > 30 * 86_400) {
      throw new BadInputError('frequencySeconds must be between 1 second and 30 days', 'frequencySeconds');
    }
    if (!Number.isInteger(update.cycles) || update.cycles < 1 || update.cycles > 100) {
      throw new BadInputError('cycles must be between 1 and 100', 'cycles');
    }
    return changeServerSettings(this.em, actor, update.version, 'updateFallbackSettings', (settings) => {
      settings.fallbackEnabled = update.enabled;
      settings.fallbackFrequencySeconds = update.frequencySeconds;
      settings.fallbackCycles = update.cycles;
      return { enabled: update.enabled, frequencySeconds: update.frequencySeconds, cycles: update.cycles };
    });
  }

  /**
   * After a job ends in Error: schedules the next Fallback job of its cycle, unless fallback is
   * off, the cycle used up its re-runs, or a person ended the cycle. Returns the new job's ID.
   */
  async scheduleAfterFailure(failedJobId: string): Promise<string | null> {
    const settings = await this.settings();
    if (!settings.fallbackEnabled) return null;
    const failed = await this.em.findOneOrFail(Job, { id: failedJobId }, { populate: ['fallbackOf'] });
    const root = failed.fallbackOf?.getEntity() ?? failed;
    const cycle = (failed.fallbackCycle ?? 0) + 1;
    if (cycle > settings.fallbackCycles || root.fallbackCancelledAt || !failed.task) return null;
    const already = await this.em.findOne(Job, { fallbackOf: root.id, fallbackCycle: cycle });
    if (already) return already.id; // a retried activity must not schedule the cycle twice
    const record = await this.em.findOneOrFail(VaultRecord, { id: failed.recordId() });
    const task = await this.em.findOneOrFail(Task, { id: failed.task.id });
    const job = await this.jobs.createAndLaunch({
      record,
      task,
      type: JobType.FALLBACK,
      scheduledFor: new Date(Date.now() + settings.fallbackFrequencySeconds * 1000),
      reason: `Fallback cycle ${cycle} of ${settings.fallbackCycles}, after job ${failed.id} failed`,
      fallbackOf: root,
      fallbackCycle: cycle,
    });
    return job.id;
  }
}
