import { agentScript } from '../agent-shell';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';
import { type ScanSettings, scanPlan } from './scan-plan';

/** The EICAR anti-virus test string, kept in two halves so this source file is not itself a detection. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR' + '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * Walks the roots with find(1), built up as positional parameters so no glob is ever parsed as
 * shell. Each batch of files is inspected by a constant inline script: unreadable files are
 * counted, detections (the EICAR string, or a listed SHA-256) move into a quarantine item with
 * their original path, hash, mode and time. The agent's own directory is never scanned.
 */
const SCRIPT = agentScript(`
work=$(mktemp -d "$agent/run/scan.XXXXXX") || fail "cannot create a work directory"
trap 'rm -rf -- "$work"' EXIT
inspect='
items=$1
shift
for file do
  hash=$(sha256sum < "$file") || { echo unreadable; continue; }
  echo scanned
  hash=\${hash%% *}
  if grep -aqF -e "$STEWARD_EICAR" < "$file"; then reason=eicar
  elif printf "%s\\n" "$STEWARD_SHA256_BLOCKLIST" | grep -qxF -e "$hash"; then reason=sha256
  else continue
  fi
  id=$(cat /proc/sys/kernel/random/uuid)
  item="$items/$id"
  if mkdir -m 700 -- "$item" && printf "%s" "$file" > "$item/original-path" && printf "%s" "$hash" > "$item/sha256" \\
    && stat -c %a -- "$file" > "$item/mode" && printf "%s" "$reason" > "$item/detection" \\
    && date -u +%Y-%m-%dT%H:%M:%SZ > "$item/quarantined-at" && mv -- "$file" "$item/data"; then
    chmod 400 -- "$item/data"
    echo "detected $id"
  else
    rm -rf -- "$item"
    echo failed
  fi
done'
set --
while IFS= read -r root; do [ -z "$root" ] || set -- "$@" "$root"; done <<STEWARD_LIST
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
find "$@" -exec sh -c "$inspect" steward-scan "$agent/quarantine/items" {} + > "$work/events" 2> "$work/warnings"
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
