import type { EntityManager } from '@mikro-orm/postgresql';
import { RUN_LABEL } from '../../../infra/stoppable-exec';
import { ClientTaskType, ManagedSystem, Product } from '../../../db/entities';
import type { JobOutputLog } from '../../jobs/job-output-log';
import type { PackageRepositoryService } from '../package-repository';
import { settingsChecker } from '../settings';
import type { VaultSecrets } from '../../shared/vault-secrets';
import type { NodeCredentials } from '../../nodes/node-credentials';
import { isCompatible } from './compatibility';
import { systemLogin, withSystemConnection } from './connection';
import { packageCatalogueOf, repositoryPackageOf } from './drivers';
import { driverFor, REPORT_LINE, type EndpointRunOptions, type EndpointRunPlan, type EndpointRunResult, runPlannedTask } from './endpoint-run';
import { PermanentFailure } from '../../shared/permanent-failure';
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

/** Carries out one client task on one managed system over SSH, or plans it for the node that reaches the system. */
export class ClientEndpointService {
  constructor(
    private readonly em: EntityManager,
    private readonly secrets: VaultSecrets,
    private readonly repository: PackageRepositoryService,
    private readonly output: JobOutputLog,
    private readonly credentials: NodeCredentials,
  ) {}

  /**
   * Checks the request and gathers all a run needs, the system's login included. A job's run
   * planned for a remote node also gets the packages it may take, and the job's grant: with it the
   * node streams the job's output to the API and fetches those tarballs, while the job runs.
   */
  async plan(request: EndpointRunRequest, forNode?: string): Promise<EndpointRunPlan> {
    if (!RUN_LABEL.test(request.runLabel)) throw new PermanentFailure('A run label is 1–128 letters, digits, ".", "_" or "-"');
    const system = await this.em.findOne(ManagedSystem, { id: request.systemId });
    if (!system) throw new PermanentFailure(`System ${request.systemId} no longer exists`);
    const taskType = await this.em.findOne(ClientTaskType, { id: request.clientTaskTypeId });
    if (!taskType) throw new PermanentFailure(`Client task type ${request.clientTaskTypeId} no longer exists`);
    const product = await this.em.findOneOrFail(Product, { id: taskType.product.id });
    if (!isCompatible(taskType, system)) throw new PermanentFailure(`${taskType.name} does not run on ${system.properties?.osFamily} systems`);
    const problem = settingsChecker(taskType)(request.settings);
    if (problem) throw new PermanentFailure(problem);
    const plannedType = { product: product.name, name: taskType.name, command: taskType.command ?? null };
    const catalogue = packageCatalogueOf(driverFor(plannedType)); // a type that cannot run fails before anything is sent anywhere
    const packages = forNode && catalogue ? (await catalogue(this.repository, request.settings)).map(repositoryPackageOf) : [];
    const target = await systemLogin(this.em, this.secrets, system);
    const plan: EndpointRunPlan = { target, systemId: system.id, taskType: plannedType, settings: request.settings, runLabel: request.runLabel };
    if (!forNode || !request.jobId) return plan;
    const grant = this.credentials.grantJob(forNode, request.jobId, packages.map((planned) => planned.id));
    return { ...plan, ...(packages.length ? { packages } : {}), job: { jobId: request.jobId, grant } };
  }

  /** Runs the task here: the drivers read the package repository and keep what they learn of the system as they go. */
  async run(request: EndpointRunRequest, options: EndpointRunOptions): Promise<EndpointRunResult> {
    const plan = await this.plan(request);
    options.heartbeat(`Connecting to ${plan.target.host}:${plan.target.port}`);
    return withSystemConnection(this.em, plan.target, async (ssh) => {
      const state = new SystemState(this.em);
      await state.recordContact(plan.systemId);
      const lines = request.jobId ? this.output.writer(request.jobId, [plan.target.password], REPORT_LINE) : null;
      try {
        return await runPlannedTask(ssh, plan, { repository: this.repository, state, onOutput: lines?.onOutput }, options);
      } finally {
        await lines?.end();
      }
    });
  }
}
