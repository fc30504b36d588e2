import type { InstalledProduct } from '../../../../db/entities';
import { VERSION_PATTERN } from '../../../../lib/versions';
import { PACKAGE_PRODUCT_NAME } from '../../package-repository';
import type { PackageSource, RepositoryPackage } from './driver';
import { PermanentFailure } from '../../../shared/permanent-failure';
import { agentScript } from '../agent-shell';
import type { EndpointSession } from '../endpoint-session';
import { endpointPath } from '../paths';
import { checkReport, reportShape } from '../report';
import { INSTALLED_PRODUCTS_SCHEMA } from './installed-products';

const VERSION = new RegExp(VERSION_PATTERN);

/**
 * Installs an uploaded package beside the active version and switches to it only when its install
 * script succeeded: verify the checksum, unpack into <root>/<product>/<version>, run the install
 * script there, repoint <root>/<product>/current in one rename, record the version, then drop the
 * previous version. A failure at any step leaves the previous version active and nothing new behind.
 *
 * All of it happens inside <root>/<product>, entered with enter_dir (a link anywhere on the way is
 * refused, never followed) and changeable by this account alone, so no name Steward removes,
 * unpacks into or renames there can be swapped for a link in the meantime.
 */
const INSTALL = agentScript(`
package=$STEWARD_PACKAGE_FILE
target=
trap 'rm -f -- "$package"; [ -z "$target" ] || rm -rf -- "./$target"' EXIT
hash=$(sha256sum < "$package") || fail "the uploaded package is missing"
[ "\${hash%% *}" = "$STEWARD_SHA256" ] || fail "checksum mismatch: the endpoint got \${hash%% *}, the repository has $STEWARD_SHA256; nothing was installed"
registry="$agent/products/$STEWARD_PRODUCT"
previous= previous_root=
[ ! -f "$registry/version" ] || previous=$(cat -- "$registry/version")
[ ! -f "$registry/root" ] || previous_root=$(cat -- "$registry/root")
root=$STEWARD_INSTALL_ROOT
[ -n "$root" ] || root=$previous_root
[ -n "$root" ] || root="$agent/installs"
home="$root/$STEWARD_PRODUCT"
enter_dir "$home" create || fail "refusing $home: $refused"
require_private_cwd "$home"
if [ "$previous" = "$STEWARD_VERSION" ] && [ "$previous_root" = "$root" ] && [ -d "./$STEWARD_VERSION" ] && [ ! -L "./$STEWARD_VERSION" ]; then
  report "{\\"changed\\":false,\\"installDir\\":$(json_str "$home/$STEWARD_VERSION"),\\"installedProducts\\":$(installed_products_json)}"
  exit 0
fi
rm -rf -- "./$STEWARD_VERSION"
target=$STEWARD_VERSION
mkdir -- "./$target" || fail "cannot create $home/$target"
tar -xzf "$package" -C "./$target" --no-same-owner >&2 || fail "the package could not be unpacked; \${previous:-nothing} stays active"
(cd -- "./$target" && STEWARD_INSTALL_DIR=$home/$target STEWARD_PREVIOUS_VERSION=$previous exec sh -c "$STEWARD_INSTALL_SCRIPT" steward-install) >&2
status=$?
[ $status -eq 0 ] || fail "the install script of $STEWARD_PRODUCT $STEWARD_VERSION exited with code $status; \${previous:-nothing} stays active"
ln -s -- "$STEWARD_VERSION" "./.current.$$" && mv -f -T -- "./.current.$$" ./current || { rm -f -- "./.current.$$"; fail "cannot switch $home/current to $STEWARD_VERSION"; }
target=
mkdir -p -- "$registry" && printf '%s' "$root" > "$registry/root" && printf '%s' "$STEWARD_VERSION" > "$registry/version.new" && mv -f -- "$registry/version.new" "$registry/version" || fail "cannot record $STEWARD_PRODUCT $STEWARD_VERSION in $registry"
if [ -n "$previous_root" ] && [ "$previous_root" != "$root" ]; then
  enter_dir "$previous_root"
  case $? in
    0) rm -rf -- "./$STEWARD_PRODUCT" ;;
    1) echo "steward: left $previous_root/$STEWARD_PRODUCT in place: $refused" >&2 ;;
  esac
elif [ -n "$previous" ] && [ "$previous" != "$STEWARD_VERSION" ]; then rm -rf -- "./$previous"
fi
report "{\\"changed\\":true,\\"installDir\\":$(json_str "$home/$STEWARD_VERSION"),\\"installedProducts\\":$(installed_products_json)}"
`);

/** Removes a product's files and its registry entry; a version that is not the installed one is refused. */
const REMOVE = agentScript(`
registry="$agent/products/$STEWARD_PRODUCT"
if [ ! -f "$registry/version" ]; then
  report "{\\"removed\\":null,\\"installedProducts\\":$(installed_products_json)}"
  exit 0
fi
installed=$(cat -- "$registry/version")
[ -z "$STEWARD_VERSION" ] || [ "$STEWARD_VERSION" = "$installed" ] || fail "$STEWARD_PRODUCT $installed is installed, not $STEWARD_VERSION; nothing was removed"
root=$(cat -- "$registry/root")
enter_dir "$root"
case $? in
  0) rm -rf -- "./$STEWARD_PRODUCT" || fail "cannot remove $root/$STEWARD_PRODUCT" ;;
  1) fail "cannot remove $root/$STEWARD_PRODUCT: $refused" ;;
esac
rm -rf -- "$registry"
report "{\\"removed\\":$(json_str "$installed"),\\"installedProducts\\":$(installed_products_json)}"
`);

const INVENTORY = agentScript(`report "{\\"installedProducts\\":$(installed_products_json)}"`);

export interface InstallOutcome {
  changed: boolean;
  installDir: string;
  installedProducts: InstalledProduct[];
}

const INSTALLED = reportShape<InstallOutcome>({
  type: 'object',
  required: ['changed', 'installDir', 'installedProducts'],
  properties: { changed: { type: 'boolean' }, installDir: { type: 'string' }, installedProducts: INSTALLED_PRODUCTS_SCHEMA },
});

export interface RemoveOutcome {
  /** The version removed; null when the product was not installed. */
  removed: string | null;
  installedProducts: InstalledProduct[];
}

const REMOVED = reportShape<RemoveOutcome>({
  type: 'object',
  required: ['removed', 'installedProducts'],
  properties: { removed: { type: 'string', nullable: true }, installedProducts: INSTALLED_PRODUCTS_SCHEMA },
});

const INVENTORIED = reportShape<{ installedProducts: InstalledProduct[] }>({
  type: 'object',
  required: ['installedProducts'],
  properties: { installedProducts: INSTALLED_PRODUCTS_SCHEMA },
});

/** Uploads a package and installs it; installRoot null keeps the product where it is (or the agent's default root). */
export async function installPackage(
  session: EndpointSession,
  repository: PackageSource,
  repositoryPackage: RepositoryPackage,
  installRoot: string | null,
): Promise<InstallOutcome> {
  const { product, version } = repositoryPackage;
  // Both name directories on the endpoint; they were checked at check-in, and are again here rather than trusted from the database.
  if (!PACKAGE_PRODUCT_NAME.test(product) || !VERSION.test(version)) throw new PermanentFailure(`${JSON.stringify(`${product} ${version}`)} is not a product and version Steward installs`);
  const label = `${product} ${version}`;
  const upload = await session.upload(`Uploading ${label}`, await repository.content(repositoryPackage));
  const step = `Installing ${label}`;
  const reported = await session.runScript(step, INSTALL, {
    PRODUCT: product,
    VERSION: version,
    SHA256: repositoryPackage.sha256,
    PACKAGE_FILE: upload,
    INSTALL_ROOT: installRoot === null ? null : endpointPath(installRoot, 'installRoot'),
    INSTALL_SCRIPT: repositoryPackage.installScript,
  });
  return checkReport(INSTALLED, reported, step);
}

export async function removeProduct(session: EndpointSession, product: string, version: string | null): Promise<RemoveOutcome> {
  const step = `Removing ${product}`;
  return checkReport(REMOVED, await session.runScript(step, REMOVE, { PRODUCT: product, VERSION: version }), step);
}

export async function installedProducts(session: EndpointSession): Promise<InstalledProduct[]> {
  const step = 'Reading the installed products';
  return checkReport(INVENTORIED, await session.runScript(step, INVENTORY), step).installedProducts;
}
