import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, Task, VaultRecord } from '../../db/entities';
import { withSshSession } from '../../infra/ssh';
import { execStoppable } from '../../infra/stoppable-exec';
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
    const command = task.scriptParameters?.command;
    if (!command) throw new PermanentFailure('The task has no command');
    const env = { ...(task.scriptParameters?.parameters ?? {}), STEWARD_ACCOUNT: record.username };
    const result = await this.rotation.guard(() =>
      withSshSession(this.rotation.target(record, connectAs.password, connectAs.username), (session) =>
        execStoppable(session, command, { env }, { signal, runLabel: job.id }),
      ),
    );
    const exitCode = result.exitCode ?? -1;
    const output = redact([result.stdout, result.stderr].filter(Boolean).join('\n').trim(), [password, shadow?.password ?? '']);
    await this.jobs.keepOutput(job.id, { exitCode, output });
    if (exitCode !== 0) throw new PermanentFailure(`The command exited with code ${exitCode}`);
    return exitCode;
  }
}
