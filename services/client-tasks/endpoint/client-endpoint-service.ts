import type { EntityManager } from '@mikro-orm/postgresql';
import { RUN_LABEL } from '../../../infra/stoppable-exec';
import { ClientTaskType, ManagedSystem, Product } from '../../../db/entities';
import type { JobOutputLog } from '../../jobs/job-output-log';
import type { PackageRepositoryService } from '../package-repository';
import { settingsChecker } from '../settings';
import type { VaultSecrets } from '../../shared/vault-secrets';
import { isCompatible } from './compatibility';
import { withSystemConnection } from './connection';
import { builtInDriver, type EndpointDriver, runProductCommand } from './drivers';
import { EndpointSession } from './endpoint-session';
import { PermanentFailure } from '../../shared/permanent-failure';
import { REPORT_PREFIX, type Report } from './report';
import { SystemState } from './system-state';

export interface EndpointRunRequest {
  systemId: string;
  clientTaskTypeId: string;
  settings: Record<string, unknown>;
  /** Unique per job, e.g. the job id; names the remote pid file so a run can be stopped. */
  runLabel: string;
  /** The job whose live output (jobOutput) gets the scripts' lines as they are printed; none without it. */
  jobId?: string;
}

export interface EndpointRunResult {
  summary: string;
  report: Report;
  /** What the endpoint printed, step by step, secrets redacted. */
  output: string;
}

export interface EndpointRunOptions {
  /** Told what the run is doing at each step; the caller keeps heartbeating in between (activities/host-work.ts). */
  heartbeat: (details: string) => void;
  /** Aborting stops the task on the endpoint, then the run throws the abort reason (Temporal's CancelledFailure in an activity). */
  signal: AbortSignal;
}

/** Carries out one client task on one managed system over SSH. */
export class ClientEndpointService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly repository: PackageRepositoryService,
    private readonly output: JobOutputLog,
  ) {}

  async run(request: EndpointRunRequest, options: EndpointRunOptions): Promise<EndpointRunResult> {
    if (!RUN_LABEL.test(request.runLabel)) throw new PermanentFailure('A run label is 1–128 letters, digits, ".", "_" or "-"');
    const system = await this.em.findOne(ManagedSystem, { id: request.systemId });
    if (!system) throw new PermanentFailure(`System ${request.systemId} no longer exists`);
    const taskType = await this.em.findOne(ClientTaskType, { id: request.clientTaskTypeId });
    if (!taskType) throw new PermanentFailure(`Client task type ${request.clientTaskTypeId} no longer exists`);
    const product = await this.em.findOneOrFail(Product, { id: taskType.product.id });
    if (!isCompatible(taskType, system)) throw new PermanentFailure(`${taskType.name} does not run on ${system.properties?.osFamily} systems`);
    const problem = settingsChecker(taskType)(request.settings);
    if (problem) throw new PermanentFailure(problem);
    const driver = this.driverFor(product, taskType);

    options.heartbeat(`Connecting to ${system.host}:${system.port}`);
    return withSystemConnection(this.em, this.secrets, system, async (ssh, password) => {
      const state = new SystemState(this.em);
      await state.recordContact(system.id);
      // The report line is for Steward, not for people following the job.
      const lines = request.jobId ? this.output.writer(request.jobId, [password], (stream, line) => stream === 'stdout' && line.startsWith(REPORT_PREFIX)) : null;
      const session = new EndpointSession(ssh, { runLabel: request.runLabel, heartbeat: options.heartbeat, signal: options.signal, secrets: [password], onOutput: lines?.onOutput });
      try {
        const outcome = await driver({ session, repository: this.repository, state, system, taskType, settings: request.settings });
        return { ...outcome, output: session.output() };
      } catch (error) {
        if (error instanceof PermanentFailure) error.output = session.output();
        throw error;
      } finally {
        await lines?.end();
      }
    });
  }

  /** A type with a command runs it; a built-in type without one runs Steward's own driver. */
  private driverFor(product: Product, taskType: ClientTaskType): EndpointDriver {
    if (taskType.command) return runProductCommand;
    const driver = builtInDriver(product.name, taskType.name);
    if (!driver) throw new PermanentFailure(`${product.name} / ${taskType.name} has no command and is not built in, so it cannot run`);
    return driver;
  }
}
