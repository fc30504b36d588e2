import type { InstalledProduct, SystemProperties, SystemStatistics } from '../../../db/entities';
import { withSshSession } from '../../../infra/ssh';
import { type EndpointRunOptions, type EndpointRunPlan, type EndpointRunResult, REPORT_LINE, runPlannedTask } from './endpoint-run';
import { liveOutputOf, type OutputSink } from '../../jobs/output-writer';
import type { GrantedJob } from '../../nodes/node-credentials';
import { type PackageFetch, PlannedPackages } from './planned-packages';
import type { SystemReports, SystemStateWriter } from './system-state';

/** What a run on a node hands back: its result, and what it learned of the system for the central worker to keep. */
export interface NodeRunResult extends EndpointRunResult {
  systemReports: SystemReports;
}

/** Gathers a run's reports on its system; properties merge key by key, as the database merges them. */
class GatheredReports implements SystemStateWriter {
  readonly reports: SystemReports = {};

  async recordProperties(_systemId: string, properties: SystemProperties): Promise<void> {
    this.reports.properties = { ...this.reports.properties, ...properties };
  }

  recordInstalledProducts(systemId: string, installedProducts: InstalledProduct[]): Promise<void> {
    return this.recordProperties(systemId, { installedProducts });
  }

  async recordStatistics(_systemId: string, statistics: SystemStatistics): Promise<void> {
    this.reports.statistics = statistics;
  }
}

/** How a node reaches what is central while it runs a job: the planned packages' tarballs, and the job's live output. */
export interface CentralReach {
  fetchPackage: PackageFetch;
  /** Where the job's output lines go as they are printed; null when they can go nowhere, and the whole output comes back with the result. */
  outputSink(job: GrantedJob): OutputSink | null;
}

/**
 * Carries out a centrally planned client task on a remote node, keyless or not: only the plan,
 * the tarballs of the packages planned for it, and the job's live output, each through `central`.
 */
export async function runOnNode(plan: EndpointRunPlan, options: EndpointRunOptions, central: CentralReach): Promise<NodeRunResult> {
  const gathered = new GatheredReports();
  const repository = new PlannedPackages(plan.packages, plan.job?.grant, central.fetchPackage);
  const lines = plan.job ? liveOutputOf(central.outputSink(plan.job), plan.job.jobId, [plan.target.password], REPORT_LINE) : null;
  options.heartbeat(`Connecting to ${plan.target.host}:${plan.target.port}`);
  const result = await withSshSession(plan.target, (ssh) => runPlannedTask(ssh, plan, { repository, state: gathered, onOutput: lines?.onOutput }, options)).finally(() => lines?.end());
  return { ...result, systemReports: gathered.reports };
}
