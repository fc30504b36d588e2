import type { ClientTaskType, ManagedSystem } from '../../../db/entities';

/** False only when the system has reported its OS family and the task type does not list it. */
export function isCompatible(taskType: ClientTaskType, system: ManagedSystem): boolean {
  const family = system.properties?.osFamily?.trim().toLowerCase();
  if (!family) return true;
  return taskType.supportedOs.some((os) => os.trim().toLowerCase() === family);
}
