import type { InstalledProduct, SystemProperties, SystemStatistics } from '../../../db/entities';
import { withSshSession } from '../../../infra/ssh';
import { type EndpointRunOptions, type EndpointRunPlan, type EndpointRunResult, runPlannedTask } from './endpoint-run';
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

/**
 * Carries out a centrally planned client task on a remote node, keyless or not: only the plan,
 * and the tarballs of the packages planned for it. Nobody follows its output live; the whole
 * output comes back with the result.
 */
export async function runOnNode(plan: EndpointRunPlan, options: EndpointRunOptions, fetchPackage: PackageFetch): Promise<NodeRunResult> {
  const gathered = new GatheredReports();
  const repository = new PlannedPackages(plan.packages, fetchPackage);
  options.heartbeat(`Connecting to ${plan.target.host}:${plan.target.port}`);
  const result = await withSshSession(plan.target, (ssh) => runPlannedTask(ssh, plan, { repository, state: gathered }, options));
  return { ...result, systemReports: gathered.reports };
}
