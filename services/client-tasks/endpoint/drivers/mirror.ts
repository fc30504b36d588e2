import type { ProductPackage } from '../../../../db/entities';
import type { PackageRepositoryService } from '../../package-repository';
import { agentScript } from '../agent-shell';
import { PermanentFailure } from '../../../shared/permanent-failure';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';

/** Checksums of the mirror's package files that exist already. */
const PROBE = agentScript(`
mkdir -p -- "$STEWARD_TARGET_PATH" || fail "cannot create $STEWARD_TARGET_PATH"
files= sep=
while IFS= read -r name; do
  [ -n "$name" ] && [ -f "$STEWARD_TARGET_PATH/$name" ] || continue
  hash=$(sha256sum < "$STEWARD_TARGET_PATH/$name") || continue
  files="$files$sep{\\"name\\":$(json_str "$name"),\\"sha256\\":\\"\${hash%% *}\\"}"; sep=,
done <<STEWARD_NAMES
$STEWARD_FILES
STEWARD_NAMES
report "{\\"files\\":[$files]}"
`);

/** Verifies an uploaded package and moves it into the mirror in one rename, so a reader never sees half a file. */
const PLACE = agentScript(`
trap 'rm -f -- "$STEWARD_UPLOAD"' EXIT
hash=$(sha256sum < "$STEWARD_UPLOAD") || fail "the upload of $STEWARD_NAME is missing"
[ "\${hash%% *}" = "$STEWARD_SHA256" ] || fail "checksum mismatch for $STEWARD_NAME: the endpoint got \${hash%% *}, the repository has $STEWARD_SHA256"
part="$STEWARD_TARGET_PATH/.$STEWARD_NAME.part"
if mv -f -- "$STEWARD_UPLOAD" "$part" && chmod 644 -- "$part" && mv -f -T -- "$part" "$STEWARD_TARGET_PATH/$STEWARD_NAME"; then
  report "{\\"copied\\":$(json_str "$STEWARD_NAME")}"
else
  rm -f -- "$part"
  fail "cannot write $STEWARD_TARGET_PATH/$STEWARD_NAME"
fi
`);

/** index.json lists what the mirror holds, for whoever installs from it. */
const WRITE_INDEX = agentScript(`
index="$STEWARD_TARGET_PATH/index.json"
printf '%s\\n' "$STEWARD_INDEX" > "$index.part" && mv -f -- "$index.part" "$index" || fail "cannot write $index"
report '{"index":"index.json"}'
`);

const PROBED = reportShape<{ files: { name: string; sha256: string }[] }>({
  type: 'object',
  required: ['files'],
  properties: { files: { type: 'array', items: { type: 'object', required: ['name', 'sha256'], properties: { name: { type: 'string' }, sha256: { type: 'string' } } } } },
});

export function mirrorFileName(repositoryPackage: ProductPackage): string {
  return `${repositoryPackage.product}-${repositoryPackage.version}.tar.gz`;
}

async function chosenPackages(repository: PackageRepositoryService, products: string[] | undefined): Promise<ProductPackage[]> {
  const packages = await repository.ofProducts(products ?? null);
  const missing = (products ?? []).filter((product) => !packages.some((candidate) => candidate.product === product));
  if (missing.length) throw new PermanentFailure(`The repository has no package of ${missing.join(', ')}`);
  if (!packages.length) throw new PermanentFailure('The repository is empty; check in a package first');
  return packages;
}

/** Mirror Repositories: copies the repository, or the chosen products' packages, to a path on the endpoint; only files whose checksum differs travel. */
export const mirrorRepository: EndpointDriver = async ({ session, repository, settings }) => {
  const targetPath = settings.targetPath as string;
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
