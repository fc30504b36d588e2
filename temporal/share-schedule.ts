import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { LOCAL_NODE, taskQueueForNode } from '../lib/nodes';
import type { ServerTaskScheduleState, ShareSchedule } from '../services/ports';
import { shareClientTasks } from '../workflows';

export const SHARE_CLIENT_TASKS_SCHEDULE = 'share-client-tasks';
/** Until an administrator sets another interval. */
const DEFAULT_INTERVAL_SECONDS = 3600;
const APPLIED_WITHIN_MS = 10_000;

/** The Share Client Tasks server task as a Temporal Schedule on the local node's queue. */
export class TemporalShareSchedule implements ShareSchedule {
  constructor(private readonly client: Client) {}

  async describe(): Promise<ServerTaskScheduleState> {
    const description = await this.existing((handle) => handle.describe());
    const interval = description.spec.intervals?.[0];
    return {
      intervalSeconds: interval ? Math.round(interval.every / 1000) : DEFAULT_INTERVAL_SECONDS,
      paused: description.state.paused,
      running: description.info.runningActions.length > 0,
      note: description.state.note ?? null,
      nextRunAt: description.info.nextActionTimes[0] ?? null,
      lastRunAt: description.info.recentActions.at(-1)?.takenAt ?? null,
    };
  }

  async setInterval(seconds: number): Promise<void> {
    await this.existing((handle) => handle.update((previous) => ({ ...previous, spec: { intervals: [{ every: `${seconds}s` }] } })));
    await this.untilDescribed((state) => state.intervalSeconds === seconds);
  }

  async pause(note: string): Promise<void> {
    await this.existing((handle) => handle.pause(note));
    await this.untilDescribed((state) => state.paused);
  }

  async unpause(note: string): Promise<void> {
    await this.existing((handle) => handle.unpause(note));
    await this.untilDescribed((state) => !state.paused);
  }

  async runNow(): Promise<void> {
    await this.existing(async (handle) => {
      // Temporal names a schedule's workflow after the second it starts in: a second run started
      // within the same second would take the first one's ID, and with it its log entry and job.
      const lastStart = (await handle.describe()).info.recentActions.at(-1)?.takenAt;
      const untilNextSecond = lastStart ? Math.floor(lastStart.getTime() / 1000) * 1000 + 1000 - Date.now() : 0;
      if (untilNextSecond > 0) await new Promise((resolve) => setTimeout(resolve, untilNextSecond + 50));
      // Never two runs at once (they would race on the same watermarks): one asked for during a run follows it.
      await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
    });
  }

  /** Creates the schedule when it does not exist yet; one that does is kept as it is. */
  async ensure(): Promise<void> {
    try {
      await this.client.schedule.create({
        scheduleId: SHARE_CLIENT_TASKS_SCHEDULE,
        spec: { intervals: [{ every: `${DEFAULT_INTERVAL_SECONDS}s` }] },
        action: { type: 'startWorkflow', workflowType: shareClientTasks, taskQueue: taskQueueForNode(LOCAL_NODE), workflowId: SHARE_CLIENT_TASKS_SCHEDULE },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
        state: { note: 'Share Client Tasks: sends shared client tasks to every registered, enabled server.' },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    }
  }

  /** The schedule's workflow applies a change shortly after it is sent: wait (up to 10 s) until a describe shows it. */
  private async untilDescribed(applied: (state: ServerTaskScheduleState) => boolean): Promise<void> {
    const deadline = Date.now() + APPLIED_WITHIN_MS;
    while (!applied(await this.describe()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  private async existing<T>(call: (handle: ReturnType<Client['schedule']['getHandle']>) => Promise<T>): Promise<T> {
    const handle = this.client.schedule.getHandle(SHARE_CLIENT_TASKS_SCHEDULE);
    try {
      return await call(handle);
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
      await this.ensure();
      return call(handle);
    }
  }
}
