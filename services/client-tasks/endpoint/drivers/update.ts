import type { InstalledProduct } from '../../../../db/entities';
import { compareVersions } from '../../../../lib/versions';
import { PermanentFailure } from '../../../shared/permanent-failure';
import type { EndpointDriver, PackageCatalogue, RepositoryPackage } from './driver';
import { installedProducts, installPackage } from './product-install';

interface Upgrade {
  product: string;
  from: string;
  to: string;
}

/**
 * Product Update: brings each installed product (or each of the chosen ones) to the newest
 * version in the repository. Current products are left alone; a failed install leaves its
 * previous version active, the others still update, and the task then fails naming it.
 */
export const updateProducts: EndpointDriver = async ({ session, repository, state, system, settings }) => {
  const chosen = settings.products as string[] | undefined;
  let installed: InstalledProduct[] = await installedProducts(session);
  const candidates = installed.filter((entry) => !chosen || chosen.includes(entry.product));
  const notInstalled = (chosen ?? []).filter((product) => !installed.some((entry) => entry.product === product));
  const updated: Upgrade[] = [];
  const current: InstalledProduct[] = [];
  const failed: (Upgrade & { error: string })[] = [];
  for (const entry of candidates) {
    const newest = await repository.newest(entry.product);
    if (!newest || compareVersions(newest.version, entry.version) <= 0) {
      current.push(entry);
      continue;
    }
    const upgrade = { product: entry.product, from: entry.version, to: newest.version };
    try {
      installed = (await installPackage(session, repository, newest, null)).installedProducts;
      updated.push(upgrade);
    } catch (error) {
      if (!(error instanceof PermanentFailure)) throw error;
      failed.push({ ...upgrade, error: error.message });
    }
  }
  await state.recordInstalledProducts(system.id, installed);
  if (failed.length) {
    throw new PermanentFailure(
      `Update failed, the previous version stays active: ${failed.map((failure) => `${failure.product} ${failure.from} → ${failure.to}: ${failure.error}`).join('; ')}`,
    );
  }
  const summary = updated.length
    ? `Updated ${updated.map((upgrade) => `${upgrade.product} ${upgrade.from} → ${upgrade.to}`).join(', ')}`
    : candidates.length
      ? 'All installed products are current'
      : 'No products to update are installed';
  return { summary, report: { updated, current, notInstalled, installedProducts: installed } };
};

/** A node updating gets the newest version of each product it may update; which ones it installs depends on what the endpoint has. */
export const updatePackages: PackageCatalogue = async (repository, settings) => {
  const newest = new Map<string, RepositoryPackage>();
  // By product, then version: the last of each product is its newest.
  for (const repositoryPackage of await repository.ofProducts((settings.products as string[] | undefined) ?? null)) newest.set(repositoryPackage.product, repositoryPackage);
  return [...newest.values()];
};
