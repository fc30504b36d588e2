import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, Task, VaultRecord } from '../../db/entities';
import { withSshSession } from '../../infra/ssh';
import { execStoppable, execUntilAborted } from '../../infra/stoppable-exec';
import { type LibraryRunPlan, libraryRunPlan, libraryVersionOfJob } from '../scripts/library-script-run';
import type { JobOutputLog } from '../jobs/job-output-log';
import type { JobService } from '../jobs/job-service';
import { PermanentFailure } from '../shared/permanent-failure';
import { redact } from '../shared/redaction';
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
  ) {}

  /** Runs the command; aborting the signal stops it on the host (with all it started) and throws. */
  async run(jobId: string, signal: AbortSignal): Promise<number> {
    const job = await this.em.findOneOrFail(Job, { id: jobId });
    if (!job.task) throw new PermanentFailure('The task of this job was removed');
    const task = await this.em.findOneOrFail(Task, { id: job.task.id });
    const record = await this.em.findOneOrFail(VaultRecord, { id: job.recordId() }, { populate: ['encryptedPassword'], refresh: true });
    const password = this.secrets.open(record.id, record.encryptedPassword);
    // Before any connection: a shadow account not meant for this host fails the job with nothing sent.
    const shadow = await this.shadows.credentialsFor(task, record);
    const connectAs = shadow ?? { username: record.username, password };
    const run = await this.commandOf(job, task, record.username);
    const secrets = [password, shadow?.password ?? ''];
    // Subscribers of jobOutput follow the lines while the command runs.
    const lines = this.output.writer(job.id, secrets);
    const result = await this.rotation
      .guard(() =>
        withSshSession(this.rotation.target(record, connectAs.password, connectAs.username), (session) =>
          run.posixShell
            ? execStoppable(session, run.command, { env: run.env, stdin: run.stdin || undefined, onOutput: lines.onOutput }, { signal, runLabel: job.id })
            : execUntilAborted(session, run.command, { stdin: run.stdin, onOutput: lines.onOutput }, signal, null),
        ),
      )
      .finally(() => lines.end());
    const exitCode = result.exitCode ?? -1;
    const output = redact([result.stdout, result.stderr].filter(Boolean).join('\n').trim(), secrets);
    await this.jobs.keepOutput(job.id, { exitCode, output });
    if (exitCode !== 0) throw new PermanentFailure(`${run.label} exited with code ${exitCode}`);
    return exitCode;
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
