import { agentScript } from '../agent-shell';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';
import type { Detection } from './scan';

/**
 * Checks every chosen item first (it exists, its data still has its hash, its original place is
 * free or may be overwritten) and refuses the whole restore, changing nothing, if any check
 * fails. Then moves each item back with its original mode and drops it from the quarantine.
 */
const SCRIPT = agentScript(`
items="$agent/quarantine/items"
refusals= sep=
while IFS= read -r id; do
  [ -n "$id" ] || continue
  item="$items/$id"
  case $id in *[!0-9a-f-]*) reason="no such quarantine item"; original= ;; *)
    reason= original=
    if [ ! -f "$item/entry.json" ] || [ ! -f "$item/data" ]; then reason="no such quarantine item"
    else
      original=$(cat -- "$item/original-path"; printf x); original=\${original%x}
      hash=$(sha256sum < "$item/data") || hash=
      if [ "\${hash%% *}" != "$(cat -- "$item/sha256")" ]; then reason="checksum mismatch: the quarantined data changed"
      elif [ -d "$original" ] && [ ! -L "$original" ]; then reason="a directory is there now"
      elif [ -e "$original" ] || [ -L "$original" ]; then [ "$STEWARD_OVERWRITE" = true ] || reason="a file is there now"
      fi
    fi ;;
  esac
  [ -z "$reason" ] || { refusals="$refusals$sep$id ($original): $reason"; sep="; "; }
done <<STEWARD_ITEMS
$STEWARD_ITEMS
STEWARD_ITEMS
[ -z "$refusals" ] || fail "nothing was restored: $refusals"
restored= sep=
while IFS= read -r id; do
  [ -n "$id" ] || continue
  item="$items/$id"
  original=$(cat -- "$item/original-path"; printf x); original=\${original%x}
  parent=\${original%/*}
  [ -z "$parent" ] || mkdir -p -- "$parent" || { regenerate_manifest; fail "cannot recreate the directory of $original"; }
  if mv -f -T -- "$item/data" "$original"; then
    chmod "$(cat -- "$item/mode")" -- "$original"
    restored="$restored$sep$(cat -- "$item/entry.json")"; sep=,
    rm -rf -- "$item"
  else
    regenerate_manifest
    fail "cannot move the item back to $original"
  fi
done <<STEWARD_ITEMS
$STEWARD_ITEMS
STEWARD_ITEMS
regenerate_manifest || fail "cannot write the quarantine manifest"
report "{\\"restored\\":[$restored]}"
`);

const TEXT = { type: 'string' };
const RESTORED = reportShape<{ restored: Detection[] }>({
  type: 'object',
  required: ['restored'],
  properties: {
    restored: { type: 'array', items: { type: 'object', required: ['id', 'originalPath'], properties: { id: TEXT, originalPath: TEXT, sha256: TEXT, detection: TEXT, quarantinedAt: TEXT } } },
  },
});

/** Restore from Quarantine: puts chosen items back; refuses, changing nothing, when something now exists at an original path, unless told to overwrite. */
export const restoreFromQuarantine: EndpointDriver = async ({ session, settings }) => {
  const step = 'Restoring from quarantine';
  const reported = await session.runScript(step, SCRIPT, { ITEMS: settings.items, OVERWRITE: settings.overwrite === true });
  const { restored } = checkReport(RESTORED, reported, step);
  return { summary: `Restored ${restored.map((item) => item.originalPath).join(', ')}`, report: { restored } };
};
