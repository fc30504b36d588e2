import { PACKAGE_PRODUCT_NAME } from '../../package-repository';
import { PermanentFailure } from '../../../shared/permanent-failure';
import type { EndpointDriver, PackageCatalogue, PackageSource, RepositoryPackage } from './driver';
import { describeInstalled } from './installed-products';
import { installPackage, removeProduct } from './product-install';

interface DeploymentSettings {
  action: 'install' | 'remove';
  product: string;
  version?: string;
  installRoot?: string;
}

async function packageToInstall(repository: PackageSource, product: string, version: string | undefined): Promise<RepositoryPackage> {
  const found = version ? await repository.find(product, version) : await repository.newest(product);
  if (!found) throw new PermanentFailure(`The repository has no package ${product}${version ? ` ${version}` : ''}`);
  return found;
}

/** Product Deployment: installs a package version (the newest when none is named) or removes the product, and records what is installed on the system. */
export const deployProduct: EndpointDriver = async ({ session, repository, state, system, settings }) => {
  const { action, product, version, installRoot } = settings as unknown as DeploymentSettings;
  // The name becomes a directory on the endpoint; only names the repository accepts may get there.
  if (!PACKAGE_PRODUCT_NAME.test(product)) throw new PermanentFailure(`"${product}" is not a product name the repository accepts`);
  if (action === 'remove') {
    const outcome = await removeProduct(session, product, version ?? null);
    await state.recordInstalledProducts(system.id, outcome.installedProducts);
    const summary = outcome.removed ? `Removed ${product} ${outcome.removed}` : `${product} was not installed; nothing to remove`;
    return { summary, report: { action, product, ...outcome } };
  }
  const chosen = await packageToInstall(repository, product, version);
  const outcome = await installPackage(session, repository, chosen, installRoot ?? null);
  await state.recordInstalledProducts(system.id, outcome.installedProducts);
  const summary = outcome.changed ? `Installed ${product} ${chosen.version} in ${outcome.installDir}` : `${product} ${chosen.version} was already installed`;
  return { summary: `${summary}; installed: ${describeInstalled(outcome.installedProducts)}`, report: { action, product, version: chosen.version, sha256: chosen.sha256, ...outcome } };
};

/** A node installing a package gets that one; removing takes none. */
export const deploymentPackages: PackageCatalogue = async (repository, settings) => {
  const { action, product, version } = settings as unknown as DeploymentSettings;
  return action === 'install' ? [await packageToInstall(repository, product, version)] : [];
};
