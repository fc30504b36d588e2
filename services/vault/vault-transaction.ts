import type { EntityManager } from '@mikro-orm/postgresql';
import type { EngineOutbox } from '../jobs/engine-outbox';
import type { JobService } from '../jobs/job-service';
import type { RecordAccess } from './record-access';
import type { RecordService } from './record-service';
import type { SessionService } from './session-service';
import type { TaskScheduler } from './task-scheduler';

/** The vault's record, session and job services, all on one EntityManager. */
export interface VaultScope {
  em: EntityManager;
  access: RecordAccess;
  records: RecordService;
  sessions: SessionService;
  jobs: JobService;
  scheduler: TaskScheduler;
  outbox: EngineOutbox;
}

/**
 * Runs `work` on a VaultScope bound to one database transaction, so a change and the jobs it
 * causes commit together or not at all: a crash between them cannot lose the jobs. The engine
 * commands the work staged are delivered once the transaction has committed.
 */
export type InVaultTransaction = <T>(work: (scope: VaultScope) => Promise<T>) => Promise<T>;
