import { Context } from '@temporalio/activity';
import { JobEventKind, type JobState } from '../lib/enums';
import type { SshTarget } from '../infra/ssh';
import { type HostKeySeen, reportHostKeyMismatch } from '../services/systems/host-key-mismatch';
import type { HostChange, HostChangeOutcome, HostCommand, HostCommandOutcome } from '../services/vault/host-change';
import type { ReconcileOutcome, SettleAttempt, VerifyCheck, VerifyResult } from '../services/vault/rotation-service';
import type { SessionWait } from '../services/vault/session-service';
import type { JobPlan, StartedJob } from '../services/vault/vault-job-service';
import { whenDatabaseAnswers } from './database-wait';
import { type ActivityDependencies, servicesFor } from './dependencies';
import { onHost } from './host-work';
import { permanentFailuresAreFinal } from './permanent-failures';

export interface JobRef {
  jobId: string;
}

/** What Job History says after a rotation was settled with its host. */
function reconciledStep(outcome: ReconcileOutcome): string {
  return `Reconciled the vault with the host: ${outcome.toLowerCase().replace(/_/g, ' ')}`;
}

export interface FinishJobInput extends JobRef {
  state: JobState;
  result: string;
}

/** Activities of a vault task job (workflows/vault-task-job.ts): planning, the host steps, fallback and bookkeeping. */
export function createVaultJobActivities(deps: ActivityDependencies) {
  const services = servicesFor(deps);
  /** A retried step leaves a trace in Job History. */
  const noteRetry = async (jobId: string, step: string) => {
    const { attempt } = Context.current().info;
    if (attempt > 1) await whenDatabaseAnswers(() => services().jobs.recordEvent(jobId, JobEventKind.RETRIED, `${step}: attempt ${attempt}`));
  };
  const recordStep = (jobId: string, message: string) => whenDatabaseAnswers(() => services().jobs.recordStep(jobId, message));

  return {
    async getJobPlan({ jobId }: JobRef): Promise<JobPlan> {
      return services().vaultJobs.plan(jobId);
    },

    /** Kept for jobs whose workflows count on signals alone; newer ones call sessionWait. */
    async countActiveSessions({ jobId }: JobRef): Promise<number> {
      return services().vaultJobs.activeSessions(jobId);
    },

    async sessionWait({ jobId }: JobRef): Promise<SessionWait> {
      return services().vaultJobs.sessionWait(jobId);
    },

    /** After the job's waits: null when it may start, or the time window's next opening it now waits for. */
    async timeWindowWait({ jobId }: JobRef): Promise<{ opensAt: string | null }> {
      return { opensAt: await services().vaultJobs.timeWindowWait(jobId) };
    },

    /** A remote node's job starts on the central worker and names the node its host steps run on. */
    async startJob({ jobId, nodeName }: JobRef & { nodeName?: string }): Promise<StartedJob> {
      return permanentFailuresAreFinal(() => services().vaultJobs.start(jobId, nodeName ?? deps.nodeName));
    },

    async preparePendingPassword({ jobId }: JobRef): Promise<void> {
      await services().rotation.preparePendingPassword(jobId);
      await recordStep(jobId, 'Generated a new password and stored it encrypted as pending');
    },

    async changePasswordOnHost({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Changing the password on the host');
      const { exitCode, alreadyChanged } = await onHost(({ signal }) => permanentFailuresAreFinal(() => services().rotation.changePasswordOnHost(jobId, signal)));
      await recordStep(jobId, alreadyChanged ? 'The host already had the new password' : 'Changed the password on the host');
      return exitCode;
    },

    async verifyPendingPassword({ jobId }: JobRef): Promise<void> {
      await noteRetry(jobId, 'Verifying the new password');
      await onHost(() => permanentFailuresAreFinal(() => services().rotation.verifyPendingPassword(jobId)));
      await recordStep(jobId, 'Logged in with the new password');
    },

    async promotePendingPassword({ jobId }: JobRef): Promise<void> {
      await services().rotation.promotePendingPassword(jobId);
      await recordStep(jobId, 'The new password is now current; the previous one is kept in history');
    },

    async runCustomCommand({ jobId }: JobRef): Promise<number> {
      await noteRetry(jobId, 'Running the command');
      const exitCode = await onHost((host) => permanentFailuresAreFinal(() => services().customCommands.run(jobId, host)));
      await recordStep(jobId, 'Ran the command');
      return exitCode;
    },

    async verifyCurrentPassword({ jobId }: JobRef): Promise<void> {
      await onHost(({ signal }) => permanentFailuresAreFinal(() => services().rotation.verifyCurrentPassword(jobId, signal)));
      await recordStep(jobId, 'Logged in with the password the vault holds');
    },

    /** A remote node's Custom Command as the node runs it, credentials included: the payload converter seals it for that node. */
    async planCustomCommand({ jobId }: JobRef): Promise<HostCommand> {
      await noteRetry(jobId, 'Running the command');
      return permanentFailuresAreFinal(() => services().customCommands.plan(jobId));
    },

    async recordCustomCommand({ jobId, label, outcome }: JobRef & { label: string; outcome: HostCommandOutcome }): Promise<number> {
      const exitCode = await permanentFailuresAreFinal(() => services().customCommands.record(jobId, label, outcome));
      await recordStep(jobId, 'Ran the command');
      return exitCode;
    },

    /** How a remote node verifies the vault's password: a login, or the job's library verify script. */
    async planVerify({ jobId }: JobRef): Promise<VerifyCheck> {
      return permanentFailuresAreFinal(() => services().rotation.planVerify(jobId));
    },

    async recordVerify({ jobId, result }: JobRef & { result: VerifyResult }): Promise<void> {
      await permanentFailuresAreFinal(() => services().rotation.recordVerify(jobId, result));
      await recordStep(jobId, 'Logged in with the password the vault holds');
    },

    /** After a failed or cancelled rotation: keep whichever password the host accepts. */
    async reconcileRecordPassword({ jobId }: JobRef): Promise<ReconcileOutcome> {
      // Two logins may take a while on a slow host: heartbeats keep it from passing for a lost worker.
      const outcome = await onHost(() => permanentFailuresAreFinal(() => services().rotation.reconcileAfterJob(jobId)));
      await recordStep(jobId, reconciledStep(outcome));
      return outcome;
    },

    // A remote node's rotation: the central worker plans each host step and records what the node
    // reports back (activities/node-host-steps.ts), so the node needs neither database nor master key.

    async planHostChange({ jobId }: JobRef): Promise<HostChange> {
      return permanentFailuresAreFinal(() => services().rotation.planHostChange(jobId));
    },

    async recordHostChange({ jobId, label, outcome }: JobRef & { label: string; outcome: HostChangeOutcome }): Promise<number> {
      const { exitCode, alreadyChanged } = await permanentFailuresAreFinal(() => services().rotation.recordHostChange(jobId, label, outcome));
      await recordStep(jobId, alreadyChanged ? 'The host already had the new password' : 'Changed the password on the host');
      return exitCode;
    },

    async pendingLogin({ jobId }: JobRef): Promise<SshTarget> {
      return permanentFailuresAreFinal(() => services().rotation.pendingLogin(jobId));
    },

    async recordPendingLogin({ jobId, accepted }: JobRef & { accepted: boolean }): Promise<void> {
      await permanentFailuresAreFinal(() => services().rotation.recordPendingLogin(jobId, accepted));
      await recordStep(jobId, 'Logged in with the new password');
    },

    async settleAttempts({ jobId }: JobRef): Promise<SettleAttempt[]> {
      const { rotation } = services();
      return rotation.settleAttempts(await rotation.recordIdOfJob(jobId));
    },

    async recordSettle({ jobId, accepted }: JobRef & { accepted: SettleAttempt['password'] | null }): Promise<ReconcileOutcome> {
      const { rotation } = services();
      const outcome = await rotation.settle(await rotation.recordIdOfJob(jobId), accepted);
      await recordStep(jobId, reconciledStep(outcome));
      return outcome;
    },

    /** A node refused a host's key: the records and systems pinning the key it expected show the one it saw. */
    async reportHostKeyMismatch(seen: HostKeySeen): Promise<void> {
      await reportHostKeyMismatch(deps.orm.em.fork(), seen);
    },

    async scheduleFallback({ jobId }: JobRef): Promise<string | null> {
      return services().fallback.scheduleAfterFailure(jobId);
    },

    async finishJob({ jobId, state, result }: FinishJobInput): Promise<void> {
      await services().jobs.finish(jobId, state, result);
    },
  };
}
