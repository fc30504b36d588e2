import { PermanentFailure } from '../../../shared/permanent-failure';
import { UUID } from '../../../shared/validation';
import { agentScript } from '../agent-shell';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';
import type { Detection } from './scan';

/**
 * Checks every chosen item first (it exists, its data is still a regular file with its hash, its
 * original path is absolute and normalized, no existing directory on the way is a link, and its
 * original place is free or may be overwritten) and refuses the whole restore, changing nothing,
 * if any check fails. Then moves each item back with its original mode and drops it from the
 * quarantine.
 *
 * The original directory usually belongs to another user, who may swap it, or a directory above
 * it, for a link at any moment, so the moves do not trust the checks: each item's directory is
 * entered with enter_dir (which refuses, never follows, a link at any step and creates missing
 * directories only inside ones it has entered), the mode is set on the data while it is still in
 * the private item directory (chmod follows links, so never at the original path), and the data
 * moves into the entered directory with one rename(2), which replaces a link at the name rather
 * than writing through it. Without overwrite, mv -n never replaces what appeared since the check.
 */
const SCRIPT = agentScript(`
items="$agent/quarantine/items"
# Sets item, original, parent and name for the item $1, or reason when it cannot be restored.
read_item() {
  item="$items/$1" reason= original= parent= name=
  case $1 in ""|*[!0-9a-f-]*) reason="no such quarantine item"; return ;; esac
  if [ ! -f "$item/entry.json" ] || [ ! -f "$item/data" ]; then reason="no such quarantine item"; return; fi
  [ ! -L "$item/data" ] || { reason="its data is not a regular file"; return; }
  original=$(cat -- "$item/original-path"; printf x); original=\${original%x}
  case $original in
    ""|/|*/|*//*|*/./*|*/../*|*/.|*/..|[!/]*) reason="its original path is not absolute and normalized"; return ;;
  esac
  parent=\${original%/*} name=\${original##*/}
  [ -n "$parent" ] || parent=/
}
refusals= sep=
while IFS= read -r id; do
  [ -n "$id" ] || continue
  read_item "$id"
  if [ -z "$reason" ]; then
    hash=$(sha256sum < "$item/data") || hash=
    if [ "\${hash%% *}" != "$(cat -- "$item/sha256")" ]; then reason="checksum mismatch: the quarantined data changed"
    else
      enter_dir "$parent"
      case $? in
        1) reason=$refused ;;
        0)
          if [ -d "./$name" ] && [ ! -L "./$name" ]; then reason="a directory is there now"
          elif [ -e "./$name" ] || [ -L "./$name" ]; then [ "$STEWARD_OVERWRITE" = true ] || reason="a file is there now"
          fi ;;
      esac
    fi
  fi
  [ -z "$reason" ] || { refusals="$refusals$sep$id ($original): $reason"; sep="; "; }
done <<STEWARD_ITEMS
$STEWARD_ITEMS
STEWARD_ITEMS
[ -z "$refusals" ] || fail "nothing was restored: $refusals"
restored= sep=
while IFS= read -r id; do
  [ -n "$id" ] || continue
  read_item "$id"
  mode=$(cat -- "$item/mode")
  case $mode in ""|*[!0-7]*) regenerate_manifest; fail "the recorded mode of $original is not an octal mode" ;; esac
  enter_dir "$parent" create || { regenerate_manifest; fail "cannot restore $original: $refused"; }
  chmod "$mode" -- "$item/data" || { regenerate_manifest; fail "cannot set the mode of $original"; }
  if [ "$STEWARD_OVERWRITE" = true ]; then mv -f -T -- "$item/data" "./$name"; else mv -n -T -- "$item/data" "./$name"; fi
  if [ -e "$item/data" ] || [ -L "$item/data" ]; then
    chmod 400 -- "$item/data"
    regenerate_manifest
    fail "cannot move the item back to $original"
  fi
  restored="$restored$sep$(cat -- "$item/entry.json")"; sep=,
  rm -rf -- "$item"
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
  const items = settings.items;
  // Ids name directories on the endpoint; the stored settings schema is not trusted to have checked them.
  if (!Array.isArray(items) || !items.length || !items.every((item) => typeof item === 'string' && UUID.test(item))) {
    throw new PermanentFailure('items must be a list of quarantine item ids (UUIDs)');
  }
  const step = 'Restoring from quarantine';
  const reported = await session.runScript(step, SCRIPT, { ITEMS: items, OVERWRITE: settings.overwrite === true });
  const { restored } = checkReport(RESTORED, reported, step);
  return { summary: `Restored ${restored.map((item) => item.originalPath).join(', ')}`, report: { restored } };
};
