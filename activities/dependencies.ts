import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from '@temporalio/client';
import { createServices, type ServicePorts } from '../services';

/** What a worker hands every activity factory. */
export interface ActivityDependencies {
  orm: MikroORM;
  ports: ServicePorts;
  /** For the lock activities, which start and query lock workflows. */
  client: Client;
  /** The worker node these activities run on, recorded on each job. */
  nodeName: string;
}

/** Services over a fresh EntityManager: activities run concurrently, so each call gets its own unit of work. */
export function servicesFor({ orm, ports }: Pick<ActivityDependencies, 'orm' | 'ports'>) {
  return () => createServices(orm.em.fork(), ports);
}
