import { createHash } from 'node:crypto';
import { PermanentFailure } from '../../shared/permanent-failure';
import { byProductThenVersion } from '../package-repository';
import type { PackageSource, RepositoryPackage } from './drivers';

/**
 * Where a node gets a planned package's tarball: the API, showing the run's grant, on a keyless
 * node (infra/node-api.ts); the database on a node whose worker has one.
 */
export type PackageFetch = (repositoryPackage: RepositoryPackage, grant: string) => Promise<Buffer>;

/**
 * The repository as a run on a node sees it: only the packages planned for it centrally, answered
 * as the repository would answer, and tarballs fetched with the run's grant and checked against
 * the checksum the plan carries before they go anywhere near the endpoint.
 */
export class PlannedPackages implements PackageSource {
  private readonly catalogue: RepositoryPackage[];

  constructor(
    planned: readonly RepositoryPackage[] | undefined,
    private readonly grant: string | undefined,
    private readonly fetchPackage: PackageFetch,
  ) {
    this.catalogue = [...(planned ?? [])].sort(byProductThenVersion);
  }

  async find(product: string, version: string): Promise<RepositoryPackage | null> {
    return this.catalogue.find((planned) => planned.product === product && planned.version === version) ?? null;
  }

  async newest(product: string): Promise<RepositoryPackage | null> {
    return this.catalogue.filter((planned) => planned.product === product).at(-1) ?? null;
  }

  async ofProducts(products: readonly string[] | null): Promise<RepositoryPackage[]> {
    return this.catalogue.filter((planned) => !products || products.includes(planned.product));
  }

  async content(repositoryPackage: RepositoryPackage): Promise<Buffer> {
    const planned = this.catalogue.find((candidate) => candidate.id === repositoryPackage.id);
    if (!planned || !this.grant) throw new PermanentFailure(`${repositoryPackage.product} ${repositoryPackage.version} was not planned for this run`);
    const content = await this.fetchPackage(planned, this.grant);
    const sha256 = createHash('sha256').update(content).digest('hex');
    if (sha256 !== planned.sha256 || content.length !== planned.size) {
      throw new PermanentFailure(`The tarball fetched for ${planned.product} ${planned.version} is not the one planned (SHA-256 ${sha256}, ${content.length} bytes); nothing was sent to the endpoint`);
    }
    return content;
  }
}
