/** The task types Steward carries out itself, by product and type name; every other type runs its product's command. */
export const BUILT_IN_TASK_TYPES = {
  Agent: ['Statistics', 'Wakeup', 'Mirror Repositories', 'Product Deployment', 'Product Update'],
  'Threat Prevention': ['On-Demand Scan', 'Restore from Quarantine'],
} as const;

export type BuiltInProduct = keyof typeof BUILT_IN_TASK_TYPES;

export function isBuiltInTaskType(product: string, taskType: string): boolean {
  return Object.hasOwn(BUILT_IN_TASK_TYPES, product) && (BUILT_IN_TASK_TYPES[product as BuiltInProduct] as readonly string[]).includes(taskType);
}
