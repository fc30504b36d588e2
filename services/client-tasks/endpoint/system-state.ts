import type { EntityManager } from '@mikro-orm/postgresql';
import type { InstalledProduct, SystemProperties, SystemStatistics } from '../../../db/entities';

/** What a driver reports about its system. */
export interface SystemStateWriter {
  recordProperties(systemId: string, properties: SystemProperties): Promise<void>;
  recordInstalledProducts(systemId: string, installedProducts: InstalledProduct[]): Promise<void>;
  recordStatistics(systemId: string, statistics: SystemStatistics): Promise<void>;
}

/** A run's reports on its system, gathered where there is no database (a keyless node) and kept centrally afterwards. */
export interface SystemReports {
  properties?: SystemProperties;
  statistics?: SystemStatistics;
}

/**
 * Keeps what endpoints report on their systems. Plain updates, not entity changes: a report is
 * not an edit, so it neither bumps the optimistic-lock version nor overwrites a concurrent edit,
 * and properties merge key by key so a deployment's product list never erases a Wakeup's hostname.
 */
export class SystemState implements SystemStateWriter {
  constructor(private readonly em: EntityManager) {}

  async recordContact(systemId: string): Promise<void> {
    await this.em.getConnection().execute(`update "managed_systems" set "last_contact_at" = now() where "id" = ?`, [systemId]);
  }

  async recordProperties(systemId: string, properties: SystemProperties): Promise<void> {
    await this.em
      .getConnection()
      .execute(`update "managed_systems" set "properties" = coalesce("properties", '{}'::jsonb) || ?::jsonb, "last_contact_at" = now() where "id" = ?`, [
        JSON.stringify(properties),
        systemId,
      ]);
  }

  recordInstalledProducts(systemId: string, installedProducts: InstalledProduct[]): Promise<void> {
    return this.recordProperties(systemId, { installedProducts });
  }

  async recordStatistics(systemId: string, statistics: SystemStatistics): Promise<void> {
    await this.em.getConnection().execute(`update "managed_systems" set "statistics" = ?::jsonb, "last_contact_at" = now() where "id" = ?`, [JSON.stringify(statistics), systemId]);
  }

  /** Keeps what a run on a node reported, and that the node reached the system. */
  async recordReports(systemId: string, reports: SystemReports): Promise<void> {
    if (reports.statistics) await this.recordStatistics(systemId, reports.statistics);
    if (reports.properties) await this.recordProperties(systemId, reports.properties);
    else await this.recordContact(systemId);
  }
}
