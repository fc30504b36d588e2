import { createHash } from 'node:crypto';
import type { RepositoryPackage } from '../../services/client-tasks/endpoint/drivers';
import { PlannedPackages } from '../../services/client-tasks/endpoint/planned-packages';
import { PermanentFailure } from '../../services/shared/permanent-failure';

const tarball = (text: string) => Buffer.from(text);
const planned = (product: string, version: string, content = tarball(`${product} ${version}`)): RepositoryPackage => ({
  id: `${product}@${version}`,
  product,
  version,
  sha256: createHash('sha256').update(content).digest('hex'),
  size: content.length,
  installScript: 'true',
});

describe('the packages planned for a run on a node', () => {
  const catalogue = [planned('Beta', '1.10.0'), planned('Alpha', '2.0.0'), planned('Beta', '1.9.0')];
  const fetched: string[] = [];
  const fromTheApi = async (repositoryPackage: RepositoryPackage, grant: string) => {
    fetched.push(`${repositoryPackage.id} with ${grant}`);
    return tarball(`${repositoryPackage.product} ${repositoryPackage.version}`);
  };

  it('answers as the repository does, from the catalogue alone', async () => {
    const packages = new PlannedPackages(catalogue, 'the grant', fromTheApi);
    expect((await packages.newest('Beta'))?.version).toBe('1.10.0');
    expect(await packages.newest('Gamma')).toBeNull();
    expect((await packages.find('Beta', '1.9.0'))?.id).toBe('Beta@1.9.0');
    expect((await packages.ofProducts(null)).map((p) => p.id)).toEqual(['Alpha@2.0.0', 'Beta@1.9.0', 'Beta@1.10.0']);
    expect((await packages.ofProducts(['Beta'])).map((p) => p.id)).toEqual(['Beta@1.9.0', 'Beta@1.10.0']);
  });

  it("fetches a planned package's tarball with the run's grant", async () => {
    const packages = new PlannedPackages(catalogue, 'the grant', fromTheApi);
    expect((await packages.content(catalogue[1]!)).toString()).toBe('Alpha 2.0.0');
    expect(fetched).toContain('Alpha@2.0.0 with the grant');
  });

  it('refuses a tarball other than the planned one, and a package nobody planned', async () => {
    const substituted = new PlannedPackages(catalogue, 'the grant', async () => tarball('something else'));
    await expect(substituted.content(catalogue[0]!)).rejects.toThrow(/is not the one planned/);
    await expect(new PlannedPackages(catalogue, 'the grant', fromTheApi).content(planned('Gamma', '1.0.0'))).rejects.toThrow(PermanentFailure);
    await expect(new PlannedPackages(undefined, undefined, fromTheApi).content(catalogue[0]!)).rejects.toThrow(/was not planned for this run/);
  });
});
