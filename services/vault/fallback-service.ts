import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, JobEvent, JobType, ServerSettings, Task, VaultRecord } from '../../db/entities';
import { JobEventKind } from '../../lib/enums';
import { windowAdjusted } from '../../lib/task-occurrences';
import type { Actor } from '../shared/audit';
import { BadInputError } from '../shared/errors';
import { changeServerSettings } from '../shared/server-settings';
import type { JobService } from '../jobs/job-service';
import { describeWait } from './task-scheduler';

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
   * off, the cycle used up its re-runs, or a person ended the cycle; then the failed job's history
   * says which. The Fallback job honours the task's time window. Returns the new job's ID.
   */
  async scheduleAfterFailure(failedJobId: string): Promise<string | null> {
    const settings = await this.settings();
    const failed = await this.em.findOneOrFail(Job, { id: failedJobId }, { populate: ['fallbackOf'] });
    const root = failed.fallbackOf?.getEntity() ?? failed;
    const cycle = (failed.fallbackCycle ?? 0) + 1;
    const withheld = whyNoFallback(settings, root, cycle);
    if (withheld || !failed.task) {
      if (withheld) await this.noteOnce(failed, `No Fallback job: ${withheld}`);
      return null;
    }
    const already = await this.em.findOne(Job, { fallbackOf: root.id, fallbackCycle: cycle });
    if (already) return already.id; // a retried activity must not schedule the cycle twice
    const record = await this.em.findOneOrFail(VaultRecord, { id: failed.recordId() });
    const task = await this.em.findOneOrFail(Task, { id: failed.task.id });
    // A Fallback job waits for the task's time window, like every other job of the task.
    const dueAt = new Date(Date.now() + settings.fallbackFrequencySeconds * 1000);
    const runAt = windowAdjusted(task, dueAt);
    const job = await this.jobs.createAndLaunch({
      record,
      task,
      type: JobType.FALLBACK,
      scheduledFor: runAt,
      dueAt,
      reason: `Fallback cycle ${cycle} of ${settings.fallbackCycles}, after job ${failed.id} failed; ${describeWait(dueAt, runAt)}`,
      fallbackOf: root,
      fallbackCycle: cycle,
    });
    return job.id;
  }

  /** The failed job has ended, so the note is added directly; a retried activity must not add it twice. */
  private async noteOnce(failed: Job, message: string): Promise<void> {
    if (await this.em.count(JobEvent, { job: failed.id, message })) return;
    this.jobs.addEvent(failed, JobEventKind.STEP, message);
    await this.em.flush();
  }
}

/** Why a failed job gets no Fallback job, in the words Job History shows; null when it gets one. */
function whyNoFallback(settings: ServerSettings, root: Job, cycle: number): string | null {
  if (!settings.fallbackEnabled) return 'fallback is off';
  if (root.fallbackCancelledAt) return `fallback for this cycle was ended by a manual Run or Cancel at ${root.fallbackCancelledAt.toISOString()}`;
  if (cycle > settings.fallbackCycles) return `all ${settings.fallbackCycles} fallback cycle(s) are used up`;
  return null;
}
