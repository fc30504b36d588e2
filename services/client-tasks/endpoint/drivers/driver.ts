import type { ClientTaskType, ManagedSystem, ProductPackage } from '../../../../db/entities';
import type { EndpointSession } from '../endpoint-session';
import type { Report } from '../report';
import type { SystemStateWriter } from '../system-state';

/** A package as drivers see it: what the repository lists of it, without its tarball. */
export type RepositoryPackage = Pick<ProductPackage, 'id' | 'product' | 'version' | 'sha256' | 'size' | 'installScript'>;

/** A package's fields as a plain object, for a plan to carry. */
export function repositoryPackageOf({ id, product, version, sha256, size, installScript }: RepositoryPackage): RepositoryPackage {
  return { id, product, version, sha256, size, installScript };
}

/** What drivers take from the package repository: the central one, or the packages planned for a run on a node. */
export interface PackageSource {
  find(product: string, version: string): Promise<RepositoryPackage | null>;
  /** The highest version of a product, or null when there is none. */
  newest(product: string): Promise<RepositoryPackage | null>;
  /** Every package, or every version of the named products; by product, then version. */
  ofProducts(products: readonly string[] | null): Promise<RepositoryPackage[]>;
  content(repositoryPackage: RepositoryPackage): Promise<Buffer>;
}

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

/** The packages a run of a driver may take, chosen centrally when the run is planned for a node. */
export type PackageCatalogue = (repository: PackageSource, settings: Record<string, unknown>) => Promise<RepositoryPackage[]>;
