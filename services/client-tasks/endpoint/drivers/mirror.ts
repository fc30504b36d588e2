import { agentScript } from '../agent-shell';
import { PermanentFailure } from '../../../shared/permanent-failure';
import { endpointPath } from '../paths';
import { checkReport, reportShape } from '../report';
import { type EndpointDriver, type PackageCatalogue, type PackageSource, type RepositoryPackage, repositoryPackageOf } from './driver';

/**
 * The mirror directory is entered with enter_dir, which creates it if need be and refuses a link
 * anywhere on the way, and must be changeable by this account (or root) alone: Steward creates
 * and replaces files in it by name. Within it, files are read only through read_entry (O_NOFOLLOW)
 * and written only by renaming a finished file over the name, which replaces a link there rather
 * than writing through it; modes are set before the move, since chmod follows links.
 */
const ENTER_MIRROR = `
enter_dir "$STEWARD_TARGET_PATH" create || fail "refusing $STEWARD_TARGET_PATH: $refused"
require_private_cwd "$STEWARD_TARGET_PATH"
`;

/** Checksums of the mirror's package files that exist already. */
const PROBE = agentScript(`
${ENTER_MIRROR}
files= sep=
while IFS= read -r name; do
  [ -n "$name" ] && [ -f "./$name" ] && [ ! -L "./$name" ] || continue
  hash=$(read_entry "$name" | sha256sum) || continue
  files="$files$sep{\\"name\\":$(json_str "$name"),\\"sha256\\":\\"\${hash%% *}\\"}"; sep=,
done <<STEWARD_NAMES
$STEWARD_FILES
STEWARD_NAMES
report "{\\"files\\":[$files]}"
`);

/** Verifies an uploaded package and moves it into the mirror in one rename, so a reader never sees half a file. */
const PLACE = agentScript(`
part=
trap 'rm -f -- "$STEWARD_UPLOAD"; [ -z "$part" ] || rm -f -- "$part"' EXIT
hash=$(sha256sum < "$STEWARD_UPLOAD") || fail "the upload of $STEWARD_NAME is missing"
[ "\${hash%% *}" = "$STEWARD_SHA256" ] || fail "checksum mismatch for $STEWARD_NAME: the endpoint got \${hash%% *}, the repository has $STEWARD_SHA256"
chmod 644 -- "$STEWARD_UPLOAD" || fail "cannot make the upload of $STEWARD_NAME readable"
${ENTER_MIRROR}
# mktemp makes a new name (O_EXCL); the upload lands there first (a copy when the mirror is on
# another file system), then takes the package's name in one rename.
part=$(mktemp "./.$STEWARD_NAME.XXXXXX") || fail "cannot write in $STEWARD_TARGET_PATH"
mv -f -T -- "$STEWARD_UPLOAD" "$part" && mv -f -T -- "$part" "./$STEWARD_NAME" || fail "cannot write $STEWARD_TARGET_PATH/$STEWARD_NAME"
part=
report "{\\"copied\\":$(json_str "$STEWARD_NAME")}"
`);

/** index.json lists what the mirror holds, for whoever installs from it. */
const WRITE_INDEX = agentScript(`
${ENTER_MIRROR}
part=
trap '[ -z "$part" ] || rm -f -- "$part"' EXIT
part=$(mktemp ./.index.json.XXXXXX) || fail "cannot write in $STEWARD_TARGET_PATH"
printf '%s\\n' "$STEWARD_INDEX" > "$part" && chmod 644 -- "$part" && mv -f -T -- "$part" ./index.json || fail "cannot write $STEWARD_TARGET_PATH/index.json"
part=
report '{"index":"index.json"}'
`);

const PROBED = reportShape<{ files: { name: string; sha256: string }[] }>({
  type: 'object',
  required: ['files'],
  properties: { files: { type: 'array', items: { type: 'object', required: ['name', 'sha256'], properties: { name: { type: 'string' }, sha256: { type: 'string' } } } } },
});

/** One file name in the mirror directory: a single path component that starts with neither "." nor "-". */
const MIRROR_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._+-]*$/;

export function mirrorFileName(repositoryPackage: RepositoryPackage): string {
  const name = `${repositoryPackage.product}-${repositoryPackage.version}.tar.gz`;
  // The repository checked the product name at check-in; the endpoint still gets no name it did not check here.
  if (!MIRROR_FILE_NAME.test(name)) throw new PermanentFailure(`${JSON.stringify(name)} cannot be a file name in the mirror`);
  return name;
}

async function chosenPackages(repository: PackageSource, products: string[] | undefined): Promise<RepositoryPackage[]> {
  const packages = await repository.ofProducts(products ?? null);
  const missing = (products ?? []).filter((product) => !packages.some((candidate) => candidate.product === product));
  if (missing.length) throw new PermanentFailure(`The repository has no package of ${missing.join(', ')}`);
  if (!packages.length) throw new PermanentFailure('The repository is empty; check in a package first');
  return packages;
}

/** Mirror Repositories: copies the repository, or the chosen products' packages, to a path on the endpoint; only files whose checksum differs travel. */
export const mirrorRepository: EndpointDriver = async ({ session, repository, settings }) => {
  const targetPath = endpointPath(settings.targetPath, 'targetPath');
  const packages = await chosenPackages(repository, settings.packages as string[] | undefined);
  const probeStep = 'Comparing the mirror with the repository';
  const present = checkReport(PROBED, await session.runScript(probeStep, PROBE, { TARGET_PATH: targetPath, FILES: packages.map(mirrorFileName) }), probeStep);
  const onEndpoint = new Map(present.files.map((file) => [file.name, file.sha256]));
  const copied: string[] = [];
  const unchanged: string[] = [];
  for (const repositoryPackage of packages) {
    const name = mirrorFileName(repositoryPackage);
    if (onEndpoint.get(name) === repositoryPackage.sha256) {
      unchanged.push(name);
      continue;
    }
    const upload = await session.upload(`Uploading ${name}`, await repository.content(repositoryPackage));
    await session.runScript(`Placing ${name}`, PLACE, { TARGET_PATH: targetPath, NAME: name, UPLOAD: upload, SHA256: repositoryPackage.sha256 });
    copied.push(name);
  }
  const index = packages.map((repositoryPackage) => ({
    product: repositoryPackage.product,
    version: repositoryPackage.version,
    file: mirrorFileName(repositoryPackage),
    sha256: repositoryPackage.sha256,
    size: repositoryPackage.size,
  }));
  await session.runScript('Writing the mirror index', WRITE_INDEX, { TARGET_PATH: targetPath, INDEX: JSON.stringify({ packages: index }) });
  return {
    summary: `Mirrored ${packages.length} package(s) to ${targetPath}: ${copied.length} copied, ${unchanged.length} unchanged`,
    report: { targetPath, copied, unchanged },
  };
};

/** A node mirroring gets the chosen packages; it copies their tarballs and never runs their install scripts, so those stay behind. */
export const mirrorPackages: PackageCatalogue = async (repository, settings) =>
  (await chosenPackages(repository, settings.packages as string[] | undefined)).map((repositoryPackage) => ({ ...repositoryPackageOf(repositoryPackage), installScript: '' }));
