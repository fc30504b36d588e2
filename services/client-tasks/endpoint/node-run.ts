import type { InstalledProduct, SystemProperties, SystemStatistics } from '../../../db/entities';
import { withSshSession } from '../../../infra/ssh';
import { PermanentFailure } from '../../shared/permanent-failure';
import type { PackageSource } from './drivers';
import { type EndpointRunOptions, type EndpointRunPlan, type EndpointRunResult, runPlannedTask } from './endpoint-run';
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

/** Packages live in the central database, and a node has none: the task types that take packages to endpoints need a node worker with database access. */
function refused(): never {
  throw new PermanentFailure('Packages are not sent to keyless nodes: Product Deployment, Product Update and Mirror Repositories need a worker of this node with database access');
}
const NO_PACKAGES: PackageSource = { find: refused, newest: refused, ofProducts: refused, content: refused };

/**
 * Carries out a centrally planned client task on a keyless node: no database and no master key,
 * only the plan. Nobody follows its output live; the whole output comes back with the result.
 */
export async function runOnNode(plan: EndpointRunPlan, options: EndpointRunOptions): Promise<NodeRunResult> {
  const gathered = new GatheredReports();
  options.heartbeat(`Connecting to ${plan.target.host}:${plan.target.port}`);
  const result = await withSshSession(plan.target, (ssh) => runPlannedTask(ssh, plan, { repository: NO_PACKAGES, state: gathered }, options));
  return { ...result, systemReports: gathered.reports };
}
