import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, Task, VaultRecord } from '../../db/entities';
import { type LibraryRunPlan, libraryRunPlan, libraryVersionOfJob } from '../scripts/library-script-run';
import type { JobOutputLog } from '../jobs/job-output-log';
import type { JobService } from '../jobs/job-service';
import { PermanentFailure } from '../shared/permanent-failure';
import type { HostAttempt } from '../../infra/stoppable-exec';
import { LOCAL_NODE } from '../../lib/nodes';
import type { NodeCredentials } from '../nodes/node-credentials';
import { commandOnHost, type HostCommand, type HostCommandOutcome } from './host-change';
import type { RotationService } from './rotation-service';
import type { VaultSecrets } from '../shared/vault-secrets';
import type { ShadowAccounts } from './shadow-accounts';

/**
 * The Custom Command script: the task's command runs on the record's host as the account (or
 * its shadow account). Parameters and the account name arrive as environment variables, so a
 * value like `; rm -rf ~` is data, never shell syntax. Output is kept with secrets redacted.
 */
export class CustomCommandService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly rotation: RotationService,
    private readonly jobs: JobService,
    private readonly shadows: ShadowAccounts,
    private readonly output: JobOutputLog,
    private readonly credentials: NodeCredentials,
  ) {}

  /** Runs the command here, its lines followed live; aborting the signal stops it on the host (with all it started) and throws. */
  async run(jobId: string, { signal, earlierAttempt }: HostAttempt): Promise<number> {
    const planned = await this.plan(jobId);
    // Subscribers of jobOutput follow the lines while the command runs.
    const lines = this.output.writer(jobId, planned.secrets);
    const outcome = await this.rotation.guard(() => commandOnHost(planned, signal, { onOutput: lines.onOutput, earlierAttempt })).finally(() => lines.end());
    return this.record(jobId, planned.label, outcome);
  }

  /** The command as the worker that reaches the host runs it, credentials included. */
  async plan(jobId: string): Promise<HostCommand> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    if (!job.task) throw new PermanentFailure('The task of this job was removed');
    const task = await this.em.findOneOrFail(Task, { id: job.task.id });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword'], refresh: true });
    const password = this.secrets.open(record.id, record.encryptedPassword);
    // Before any connection: a shadow account not meant for this host fails the job with nothing sent.
    const shadow = await this.shadows.credentialsFor(task, record);
    const connectAs = shadow ?? { username: record.username, password };
    const run = await this.commandOf(job, task, record.username);
    return {
      connectAs: this.rotation.target(record, connectAs.password, connectAs.username),
      command: run.command,
      stdin: run.stdin,
      env: run.env,
      posixShell: run.posixShell,
      runLabel: job.id,
      label: run.label,
      secrets: [password, shadow?.password ?? ''],
      // A remote node streams the lines to the API with the job's grant; here they are written directly (run).
      ...(job.nodeName !== LOCAL_NODE ? { liveOutput: { jobId: job.id, grant: this.credentials.grantJob(job.nodeName, job.id) } } : {}),
    };
  }

  /** Keeps what the command printed; a non-zero exit fails the job. */
  async record(jobId: string, label: string, outcome: HostCommandOutcome): Promise<number> {
    await this.jobs.keepOutput(jobId, { exitCode: outcome.exitCode, output: outcome.output });
    if (outcome.exitCode !== 0) throw new PermanentFailure(`${label} exited with code ${outcome.exitCode}`);
    return outcome.exitCode;
  }

  /** The library script version the job started with, or the task's own command. */
  private async commandOf(job: Job, task: Task, account: string): Promise<LibraryRunPlan> {
    const library = await libraryVersionOfJob(this.em, job);
    if (library) {
      const run = libraryRunPlan(library, account, task.scriptParameters?.parameters, {});
      return { ...run, label: `Script ${run.label}` };
    }
    const command = task.scriptParameters?.command;
    if (!command) throw new PermanentFailure('The task has no command');
    return { command, stdin: '', env: { ...(task.scriptParameters?.parameters ?? {}), STEWARD_ACCOUNT: account }, posixShell: true, label: 'The command' };
  }
}
