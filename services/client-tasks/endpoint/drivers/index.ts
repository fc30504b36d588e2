import { BUILT_IN_TASK_TYPES, type BuiltInProduct } from '../built-in-task-types';
import { deployProduct } from './deployment';
import type { EndpointDriver } from './driver';
import { mirrorRepository } from './mirror';
import { restoreFromQuarantine } from './restore';
import { scanForThreats } from './scan';
import { collectStatistics } from './statistics';
import { updateProducts } from './update';
import { wakeUp } from './wakeup';

export type { DriverContext, DriverOutcome, EndpointDriver, PackageSource } from './driver';
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
