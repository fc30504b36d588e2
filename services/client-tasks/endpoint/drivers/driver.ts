import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientTaskType, ManagedSystem } from '../../../../db/entities';
import type { EndpointSession } from '../endpoint-session';
import type { Report } from '../report';

export interface DriverContext {
  em: EntityManager;
  session: EndpointSession;
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
