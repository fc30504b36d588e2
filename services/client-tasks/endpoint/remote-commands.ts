/**
 * The only command lines Steward sends to an endpoint. They are constant: everything that varies
 * (settings, the run label, the task script, uploaded bytes) travels on stdin, so no value is ever
 * parsed as shell syntax.
 */
import { RECORD_RUN_GROUP, shCommand } from '../../../infra/stoppable-exec';
import { ENVIRONMENT_NAME, environmentValue } from './environment';
import { PermanentFailure } from '../../shared/permanent-failure';

/** Exit status of the launcher itself when its input is malformed, so it is never mistaken for the script's. */
export const LAUNCHER_FAILED = 97;

/**
 * Reads `NAME base64` lines until a blank line and exports each decoded value as STEWARD_NAME,
 * records the process group in the agent's run directory under STEWARD_RUN_LABEL (so the run
 * can be stopped, infra/stoppable-exec.ts), then runs the rest of stdin as the task script.
 * Decoding appends and strips an "x" so trailing newlines survive command substitution.
 */
export const LAUNCHER_COMMAND = shCommand(`set -u
while IFS=" " read -r name value; do
  [ -n "$name" ] || break
  case $name in *[!A-Z0-9_]*) echo "steward: malformed setting name" >&2; exit ${LAUNCHER_FAILED};; esac
  decoded=$(printf "%s" "$value" | base64 -d && printf x) || exit ${LAUNCHER_FAILED}
  case $decoded in *x) ;; *) echo "steward: malformed setting value" >&2; exit ${LAUNCHER_FAILED};; esac
  export "STEWARD_$name=\${decoded%x}"
done
case \${STEWARD_RUN_LABEL:-} in ""|*[!A-Za-z0-9_.-]*) echo "steward: malformed run label" >&2; exit ${LAUNCHER_FAILED};; esac
${RECORD_RUN_GROUP} || exit ${LAUNCHER_FAILED}
sh -s
status=$?
rm -f "$steward_pidfile"
exit $status`);

/** Decodes base64 from stdin into a new private file in the agent's incoming directory and prints its path. */
export const UPLOAD_COMMAND = shCommand(`set -u
umask 077
dir="$HOME/.steward-agent/incoming"
mkdir -p "$dir" || exit ${LAUNCHER_FAILED}
file=$(mktemp "$dir/upload.XXXXXXXX") || exit ${LAUNCHER_FAILED}
if base64 -d > "$file"; then printf "%s\\n" "$file"; else rm -f "$file"; exit ${LAUNCHER_FAILED}; fi`);

/** The launcher's stdin: the run label and the variables, a blank line, then the script. */
export function launcherInput(runLabel: string, environment: Record<string, unknown>, script: string): string {
  const lines = [`RUN_LABEL ${Buffer.from(runLabel).toString('base64')}`];
  for (const [name, value] of Object.entries(environment)) {
    if (!ENVIRONMENT_NAME.test(name) || name === 'RUN_LABEL') throw new PermanentFailure(`${JSON.stringify(name)} cannot be an environment variable name`);
    const text = environmentValue(value);
    // The environment cannot hold NUL; refusing beats silently truncating a value.
    if (text.includes('\0')) throw new PermanentFailure(`STEWARD_${name} contains a NUL character`);
    lines.push(`${name} ${Buffer.from(text, 'utf8').toString('base64')}`);
  }
  return `${lines.join('\n')}\n\n${script.endsWith('\n') ? script : `${script}\n`}`;
}
