import type { ClientTaskType, ManagedSystem } from '../../../../db/entities';
import type { PackageRepositoryService } from '../../package-repository';
import type { EndpointSession } from '../endpoint-session';
import type { Report } from '../report';
import type { SystemStateWriter } from '../system-state';

/** What drivers take from the package repository. */
export type PackageSource = Pick<PackageRepositoryService, 'find' | 'newest' | 'ofProducts' | 'content'>;

export interface DriverContext {
  session: EndpointSession;
  /** Where packages to install or mirror come from. */
  repository: PackageSource;
  /** What the server keeps about the system: properties, statistics, installed products. */
  state: SystemStateWriter;
  system: Pick<ManagedSystem, 'id'>;
  taskType: Pick<ClientTaskType, 'name' | 'command'>;
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
