import type { EntityManager } from '@mikro-orm/postgresql';
import type { InstalledProduct, SystemProperties, SystemStatistics } from '../../../db/entities';

/**
 * Keeps what endpoints report on their systems. Plain updates, not entity changes: a report is
 * not an edit, so it neither bumps the optimistic-lock version nor overwrites a concurrent edit,
 * and properties merge key by key so a deployment's product list never erases a Wakeup's hostname.
 */
export class SystemState {
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
}
