import { NODE_PACKAGES_PATH } from '../../../lib/nodes';
import { PermanentFailure } from '../../shared/permanent-failure';
import type { PackageFetch } from './planned-packages';

/** A tarball is at most 64 MiB; a node on a slow link still gets it in this time, or the run's retry tries again. */
const FETCH_TIMEOUT_MS = 10 * 60_000;

/**
 * A keyless node's way to planned packages: the API (STEWARD_API_URL), showing the run's grant.
 * The API's refusals are final; a server that is away or failing is tried again by the run's retries.
 */
export function apiPackageFetch(apiUrl: string | null): PackageFetch {
  return async (repositoryPackage, grant) => {
    const label = `${repositoryPackage.product} ${repositoryPackage.version}`;
    if (!apiUrl) throw new PermanentFailure(`${label} is fetched from the API, and this node's worker has no STEWARD_API_URL; set it to the URL the node reaches the Steward API at`);
    const url = new URL(`${NODE_PACKAGES_PATH}${encodeURIComponent(repositoryPackage.id)}`, apiUrl);
    const response = await fetch(url, { headers: { authorization: `Bearer ${grant}` }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (response.ok) return Buffer.from(await response.arrayBuffer());
    const why = (await response.text()).slice(0, 500);
    if (response.status >= 400 && response.status < 500) throw new PermanentFailure(`The API refused ${label} to this node (${response.status}): ${why}`);
    throw new Error(`The API could not hand out ${label} (${response.status}): ${why}`);
  };
}
