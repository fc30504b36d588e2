import { agentScript, CWD_IS, READ_ENTRY } from '../agent-shell';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';
import { type ScanSettings, scanPlan } from './scan-plan';

/** The EICAR anti-virus test string, kept in two halves so this source file is not itself a detection. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR' + '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * Inspects the files find(1) passes it, one at a time; run as `sh -c` by find, so it carries the
 * helper it needs and holds no single quote. Prints one event per file for the main script to
 * count: scanned, unreadable, failed (a detection that could not be moved) or "detected <id>".
 * Files that changed under the scan are skipped with a warning on stderr.
 *
 * The owner of a scanned directory can replace any name in it, or a directory above it, with a
 * link between find listing a file and this step using it. Each numbered step below closes one
 * such race; the account is often root, so following a link could read or move any file.
 */
const INSPECT = `
items=$1
shift
${CWD_IS}
${READ_ENTRY}
skipped() { printf "steward: skipped %s: it changed while being scanned\\n" "$(printf "%s" "$1" | tr "\\n" "?")" >&2; }
for file do
  dir=\${file%/*} name=\${file##*/}
  [ -n "$dir" ] || dir=/
  # 1. Pin the directory: enter it, then check that no link was followed on the way (find walked
  #    physical paths only). From here "./$name" is an entry of this directory, whatever is swapped
  #    above it later; a swap before the check makes the check fail.
  if ! cd -P -- "$dir" 2>/dev/null || ! cwd_is "$dir"; then skipped "$file"; continue; fi
  if [ -L "./$name" ] || [ ! -f "./$name" ]; then skipped "$file"; continue; fi
  # 2. Read only through dd iflag=nofollow (O_NOFOLLOW): a link that took the name since the test
  #    above makes the open fail rather than read, or open a device or FIFO, elsewhere; nonblock
  #    keeps a FIFO from stalling the scan.
  dd if="./$name" iflag=nofollow,nonblock count=0 2>/dev/null || { echo unreadable; continue; }
  hash=$(read_entry "$name" | sha256sum) || { echo unreadable; continue; }
  hash=\${hash%% *}
  echo scanned
  if read_entry "$name" | grep -aqF -e "$STEWARD_EICAR"; then reason=eicar
  elif printf "%s\\n" "$STEWARD_SHA256_BLOCKLIST" | grep -qxF -e "$hash"; then reason=sha256
  else continue
  fi
  id=$(cat /proc/sys/kernel/random/uuid)
  item="$items/$id"
  if ! { mkdir -m 700 -- "$item" && printf "%s" "$file" > "$item/original-path" && printf "%s" "$hash" > "$item/sha256" \\
    && printf "%s" "$reason" > "$item/detection" && date -u +%Y-%m-%dT%H:%M:%SZ > "$item/quarantined-at"; }; then
    rm -rf -- "$item"; echo failed; continue
  fi
  # 3. Move the entry into the private item directory (mode 700, in the 700 quarantine): rename(2)
  #    never follows the last component, so whatever holds the name moves, not what it points to.
  # 4. Check what moved where no one else can touch it: a regular file with no other hard link
  #    (chmod would reach the other names) and the content that was read. Only then chmod, which
  #    follows links; the mode is taken from the file that moved.
  if mv -T -- "./$name" "$item/data" 2>/dev/null && [ -f "$item/data" ] && [ ! -L "$item/data" ] \\
    && [ "$(stat -c %h -- "$item/data")" = 1 ] && moved=$(sha256sum < "$item/data") && [ "\${moved%% *}" = "$hash" ] \\
    && stat -c %a -- "$item/data" > "$item/mode" && chmod 400 -- "$item/data"; then
    echo "detected $id"
  else
    # The name changed hands between the read and the move: put back what moved, never over
    # anything that took its place, and drop the item unless that left its data in it.
    { [ ! -e "$item/data" ] && [ ! -L "$item/data" ]; } || mv -n -T -- "$item/data" "./$name"
    [ -e "$item/data" ] || [ -L "$item/data" ] || rm -rf -- "$item"
    echo failed
  fi
done
`;

/**
 * Walks the roots with find -P (never following a link), built up as positional parameters so no
 * glob is ever parsed as shell, and hands the files in batches to INSPECT. A root reached through
 * a link is refused. The agent's own directory is never scanned.
 */
const SCRIPT = agentScript(`
work=$(mktemp -d "$agent/run/scan.XXXXXX") || fail "cannot create a work directory"
trap 'rm -rf -- "$work"' EXIT
inspect='${INSPECT}'
set --
while IFS= read -r root; do
  [ -n "$root" ] || continue
  # A missing root is left to find, which warns; one reached through a link is refused.
  enter_dir "$root"
  [ $? -ne 1 ] || fail "refusing to scan $root: $refused"
  set -- "$@" "$root"
done <<STEWARD_LIST
$STEWARD_ROOTS
STEWARD_LIST
set -- "$@" -type f "("
or=
while IFS= read -r glob; do [ -z "$glob" ] || { set -- "$@" $or -path "$glob"; or=-o; }; done <<STEWARD_LIST
$STEWARD_INCLUDE_PATHS
STEWARD_LIST
while IFS= read -r glob; do [ -z "$glob" ] || { set -- "$@" $or -name "$glob"; or=-o; }; done <<STEWARD_LIST
$STEWARD_INCLUDE_NAMES
STEWARD_LIST
set -- "$@" ")" ! -path "$agent/*"
while IFS= read -r glob; do [ -z "$glob" ] || set -- "$@" ! -path "$glob"; done <<STEWARD_LIST
$STEWARD_EXCLUDE_PATHS
STEWARD_LIST
while IFS= read -r glob; do [ -z "$glob" ] || set -- "$@" ! -name "$glob"; done <<STEWARD_LIST
$STEWARD_EXCLUDE_NAMES
STEWARD_LIST
case $STEWARD_MAX_FILE_SIZE in
  "") ;;
  *[!0-9]*) fail "the size limit is not a number" ;;
  *) set -- "$@" ! -size "+\${STEWARD_MAX_FILE_SIZE}c" ;;
esac
find -P "$@" -exec sh -c "$inspect" steward-scan "$agent/quarantine/items" {} + > "$work/events" 2> "$work/warnings"
scanned=0 unreadable=0 failed=0 detections= sep=
while read -r kind id; do
  case $kind in
    scanned) scanned=$((scanned + 1)) ;;
    unreadable) unreadable=$((unreadable + 1)) ;;
    failed) failed=$((failed + 1)) ;;
    detected)
      item="$agent/quarantine/items/$id"
      original=$(cat -- "$item/original-path"; printf x)
      entry="{\\"id\\":\\"$id\\",\\"originalPath\\":$(json_str "\${original%x}"),\\"sha256\\":\\"$(cat -- "$item/sha256")\\",\\"detection\\":\\"$(cat -- "$item/detection")\\",\\"quarantinedAt\\":\\"$(cat -- "$item/quarantined-at")\\"}"
      printf '%s' "$entry" > "$item/entry.json"
      detections="$detections$sep$entry"; sep=, ;;
  esac
done < "$work/events"
regenerate_manifest || fail "cannot write the quarantine manifest"
warnings=$(wc -l < "$work/warnings")
cat -- "$work/warnings" >&2
report "{\\"filesScanned\\":$scanned,\\"unreadable\\":$unreadable,\\"notQuarantined\\":$failed,\\"warnings\\":$warnings,\\"detections\\":[$detections]}"
`);

export interface Detection {
  id: string;
  originalPath: string;
  sha256: string;
  detection: 'eicar' | 'sha256';
  quarantinedAt: string;
}

interface ScanResult {
  filesScanned: number;
  unreadable: number;
  notQuarantined: number;
  warnings: number;
  detections: Detection[];
}

const COUNT = { type: 'integer', minimum: 0 };
const TEXT = { type: 'string' };
const SCANNED = reportShape<ScanResult>({
  type: 'object',
  required: ['filesScanned', 'unreadable', 'notQuarantined', 'warnings', 'detections'],
  properties: {
    filesScanned: COUNT,
    unreadable: COUNT,
    notQuarantined: COUNT,
    warnings: COUNT,
    detections: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'originalPath', 'sha256', 'detection', 'quarantinedAt'],
        properties: { id: TEXT, originalPath: TEXT, sha256: TEXT, detection: { type: 'string', enum: ['eicar', 'sha256'] }, quarantinedAt: TEXT },
      },
    },
  },
});

/** On-Demand Scan: finds known-bad files under the configured paths and quarantines them. */
export const scanForThreats: EndpointDriver = async ({ session, settings }) => {
  const scan = settings as unknown as ScanSettings;
  const plan = scanPlan(scan);
  const step = `Scanning ${plan.roots.join(', ')}`;
  const reported = await session.runScript(step, SCRIPT, {
    ROOTS: plan.roots,
    INCLUDE_PATHS: plan.includePaths,
    INCLUDE_NAMES: plan.includeNames,
    EXCLUDE_PATHS: plan.excludePaths,
    EXCLUDE_NAMES: plan.excludeNames,
    MAX_FILE_SIZE: scan.maxFileSizeBytes ?? null,
    SHA256_BLOCKLIST: (scan.sha256Blocklist ?? []).map((hash) => hash.toLowerCase()),
    EICAR,
  });
  const result = checkReport(SCANNED, reported, step);
  const problems = [
    result.notQuarantined ? `${result.notQuarantined} detection(s) could not be moved` : '',
    result.unreadable ? `${result.unreadable} file(s) unreadable` : '',
  ].filter(Boolean);
  return {
    summary: `Scanned ${result.filesScanned} file(s): ${result.detections.length} detection(s) quarantined${problems.length ? `; ${problems.join('; ')}` : ''}`,
    report: { ...result },
  };
};
