import { BUILT_IN_TASK_TYPES, type BuiltInProduct } from '../built-in-task-types';
import { deployProduct, deploymentPackages } from './deployment';
import type { EndpointDriver, PackageCatalogue } from './driver';
import { mirrorPackages, mirrorRepository } from './mirror';
import { restoreFromQuarantine } from './restore';
import { scanForThreats } from './scan';
import { collectStatistics } from './statistics';
import { updatePackages, updateProducts } from './update';
import { wakeUp } from './wakeup';

export type { DriverContext, DriverOutcome, EndpointDriver, PackageSource, RepositoryPackage } from './driver';
export { repositoryPackageOf } from './driver';
export { runProductCommand } from './product-command';

/** One driver per built-in task type; the type makes a missing one a compile error. */
const BUILT_IN_DRIVERS: { [P in BuiltInProduct]: Record<(typeof BUILT_IN_TASK_TYPES)[P][number], EndpointDriver> } = {
  Agent: {
    Statistics: collectStatistics,
    Wakeup: wakeUp,
    'Mirror Repositories': mirrorRepository,
    'Product Deployment': deployProduct,
    'Product Update': updateProducts,
  },
  'Threat Prevention': {
    'On-Demand Scan': scanForThreats,
    'Restore from Quarantine': restoreFromQuarantine,
  },
};

export function builtInDriver(product: string, taskType: string): EndpointDriver | null {
  if (!Object.hasOwn(BUILT_IN_DRIVERS, product)) return null;
  const drivers = BUILT_IN_DRIVERS[product as BuiltInProduct] as Record<string, EndpointDriver>;
  return Object.hasOwn(drivers, taskType) ? drivers[taskType]! : null;
}

/** The drivers that take packages to endpoints, and which packages a run of each may take. */
const PACKAGE_CATALOGUES = new Map<EndpointDriver, PackageCatalogue>([
  [deployProduct, deploymentPackages],
  [updateProducts, updatePackages],
  [mirrorRepository, mirrorPackages],
]);

/** How to choose a driver's packages ahead of its run, or null when it takes none. */
export function packageCatalogueOf(driver: EndpointDriver): PackageCatalogue | null {
  return PACKAGE_CATALOGUES.get(driver) ?? null;
}
