import type { ClientTaskType, ManagedSystem } from '../../../../db/entities';
import type { PackageRepositoryService } from '../../package-repository';
import type { EndpointSession } from '../endpoint-session';
import type { Report } from '../report';
import type { SystemState } from '../system-state';

export interface DriverContext {
  session: EndpointSession;
  /** Where packages to install or mirror come from. */
  repository: PackageRepositoryService;
  /** What the server keeps about the system: properties, statistics, installed products. */
  state: SystemState;
  system: ManagedSystem;
  taskType: ClientTaskType;
  /** Valid against the task type's settings schema. */
  settings: Record<string, unknown>;
}

export interface DriverOutcome {
  /** One line for Job History. */
  summary: string;
  report: Report;
}

/** Carries out one kind of client task on an endpoint. */
export type EndpointDriver = (context: DriverContext) => Promise<DriverOutcome>;
