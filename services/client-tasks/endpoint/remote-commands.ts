/**
 * The only command lines Steward sends to an endpoint. They are constant: everything that varies
 * (settings, the run label, the task script, uploaded bytes) travels on stdin, so no value is ever
 * parsed as shell syntax.
 */
import { ENVIRONMENT_NAME, environmentValue } from './environment';
import { PermanentFailure } from '../../shared/permanent-failure';

/** Run labels name pid files; the launcher and the stop command check the same alphabet. */
export const RUN_LABEL = /^[A-Za-z0-9_.-]{1,128}$/;

/** Exit status of the launcher itself when its input is malformed, so it is never mistaken for the script's. */
export const LAUNCHER_FAILED = 97;

/** Quotes a constant script as one argument of `sh -c`. */
function shCommand(script: string): string {
  return `sh -c '${script.replace(/'/g, `'\\''`)}'`;
}

/**
 * Reads `NAME base64` lines until a blank line and exports each decoded value as STEWARD_NAME,
 * records the process group in the agent's run directory under STEWARD_RUN_LABEL, then runs
 * the rest of stdin as the task script. Decoding appends and strips an "x" so trailing newlines
 * survive command substitution. sshd starts each session in a process group of its own, so the
 * recorded group is exactly this run.
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
run="$HOME/.steward-agent/run"
mkdir -p "$run" || exit ${LAUNCHER_FAILED}
pidfile="$run/$STEWARD_RUN_LABEL.pid"
set -f
set -- $(cat /proc/$$/stat)
set +f
printf "%s\\n" "$5" > "$pidfile" || exit ${LAUNCHER_FAILED}
sh -s
status=$?
rm -f "$pidfile"
exit $status`);

/** Stops the run named on stdin: TERM to its process group, KILL after five seconds. Prints "stopped", or "absent" when nothing runs under that label. */
export const STOP_COMMAND = shCommand(`set -u
read -r label || exit ${LAUNCHER_FAILED}
case $label in ""|*[!A-Za-z0-9_.-]*) exit ${LAUNCHER_FAILED};; esac
pidfile="$HOME/.steward-agent/run/$label.pid"
if [ ! -f "$pidfile" ]; then echo absent; exit 0; fi
read -r group < "$pidfile"
case $group in ""|*[!0-9]*) exit ${LAUNCHER_FAILED};; esac
kill -TERM -"$group" 2>/dev/null
tries=0
while kill -0 -"$group" 2>/dev/null; do
  tries=$((tries + 1))
  if [ $tries -gt 20 ]; then kill -KILL -"$group" 2>/dev/null; break; fi
  sleep 0.25
done
rm -f "$pidfile"
echo stopped`);

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
