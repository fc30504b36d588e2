/**
 * The helpers every built-in script starts with. Agent state lives under the SSH account's home:
 *   ~/.steward-agent/products/<product>/{version,root}   installed products (the registry)
 *   ~/.steward-agent/installs/<product>/<version>         default install root; <product>/current links the active version
 *   ~/.steward-agent/quarantine/manifest.json            index of quarantined items
 *   ~/.steward-agent/quarantine/items/<id>/               one item: data, original-path, sha256, mode, entry.json …
 *   ~/.steward-agent/incoming/, run/                     uploads in transit, pid files of running tasks
 * Scripts use POSIX sh and coreutils, awk, grep, find, tar, gzip, df, uname and hostname only.
 *
 * The account is often root, and other users may own the directories a task scans, restores into
 * or writes to; they can swap a path component for a symbolic link at any moment. So scripts never
 * use a path they checked earlier: they enter a directory with enter_dir (or cd and cwd_is), which
 * pins it as the working directory, and from then on act on "./name" with operations that do not
 * follow a link in the last component (rename, dd iflag=nofollow, mkdir, mktemp).
 */

/** JSON string literals, built by awk from the environment so no value is ever re-parsed; LC_ALL=C makes it byte-exact. */
const JSON_HELPERS = String.raw`
json_str() {
  STEWARD_JSON_VALUE=$1 LC_ALL=C awk 'BEGIN {
    for (i = 1; i < 32; i++) escape[sprintf("%c", i)] = sprintf("\\u%04x", i)
    escape["\n"] = "\\n"; escape["\t"] = "\\t"; escape["\r"] = "\\r"; escape["\\"] = "\\\\"; escape["\""] = "\\\""
    s = ENVIRON["STEWARD_JSON_VALUE"]; out = ""
    for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); out = out ((c in escape) ? escape[c] : c) }
    printf "\"%s\"", out
  }'
}
`;

/**
 * True when the working directory is physically $1: no symbolic link was followed to reach it.
 * The "x" keeps a trailing newline of a name from being lost to command substitution.
 */
export const CWD_IS = `cwd_is() { _ci=$(pwd -P && printf x) && [ "\${_ci%?x}" = "$1" ]; }`;

/** Writes the content of the entry ./$1 of the working directory, opened with O_NOFOLLOW (never through a link) and O_NONBLOCK (a FIFO cannot stall). */
export const READ_ENTRY = `read_entry() { dd if="./$1" iflag=nofollow,nonblock bs=65536 2>/dev/null; }`;

const AGENT_HELPERS = `
set -u
umask 022
uid=$(id -u)
${CWD_IS}
${READ_ENTRY}

# True when $1 is a real directory (not a link) that only this account or root owns and may write to.
private_dir() {
  [ -d "$1" ] && [ ! -L "$1" ] || return 1
  _pd=$(stat -c '%u %a' -- "$1") || return 1
  { [ "\${_pd%% *}" = "$uid" ] || [ "\${_pd%% *}" = 0 ]; } && [ $((0\${_pd#* } & 022)) -eq 0 ]
}

# Enters the absolute, normalized directory $1 one component at a time from "/", never through a
# link; with "create", missing components are made. Each step enters one entry of the directory
# entered before and checks where it landed, so a component swapped for a link at any moment is
# refused, never followed: once this returns 0, "./name" is an entry of this very directory,
# whatever is done to the path above it later. Returns 1 when refused ($refused says why), 2 when
# a component is missing (without "create").
enter_dir() {
  cd / || { refused="cannot enter /"; return 1; }
  _ed_at= _ed_rest=\${1#/}
  while [ -n "$_ed_rest" ]; do
    _ed_part=\${_ed_rest%%/*}
    case $_ed_rest in */*) _ed_rest=\${_ed_rest#*/} ;; *) _ed_rest= ;; esac
    _ed_at="$_ed_at/$_ed_part"
    if [ ! -e "./$_ed_part" ] && [ ! -L "./$_ed_part" ]; then
      [ "\${2:-}" = create ] || return 2
      # mkdir never follows a link: one planted since the test makes it fail, not create elsewhere.
      mkdir -- "./$_ed_part" || { refused="cannot create $_ed_at"; return 1; }
    fi
    if [ -L "./$_ed_part" ] || [ ! -d "./$_ed_part" ] || ! cd -P -- "./$_ed_part" || ! cwd_is "$_ed_at"; then
      refused="$_ed_at is a symbolic link or not a directory"
      return 1
    fi
  done
}

# Refuses to go on unless only this account (or root) may change the working directory: there
# Steward creates and renames files by name, which is safe only where no one else can swap them.
require_private_cwd() {
  private_dir . || fail "refusing $1: others than this account (or root) may change it or it is not owned by them; make it writable by $(id -un) alone"
}

account_home=$(cd -P -- "$HOME" && pwd -P) || exit 1
agent="$account_home/.steward-agent"
mkdir -p "$agent/products" "$agent/incoming" "$agent/run" && mkdir -p -m 700 "$agent/quarantine" "$agent/quarantine/items" || exit 1

# The lines of $1 as a JSON array of strings; empty lines are skipped.
json_list() {
  _jl_out= _jl_sep=
  while IFS= read -r _jl_item; do
    [ -n "$_jl_item" ] || continue
    _jl_out="$_jl_out$_jl_sep$(json_str "$_jl_item")"; _jl_sep=,
  done <<STEWARD_LIST
$1
STEWARD_LIST
  printf '[%s]' "$_jl_out"
}

# The report Steward parses: the last line of stdout.
report() { printf 'STEWARD-REPORT %s\\n' "$1"; }

# Reports the error and ends the script; Steward fails the task with this message.
fail() { report "{\\"error\\":$(json_str "$1")}"; exit 1; }

# The installed products and versions as a JSON array.
installed_products_json() {
  _ip_out= _ip_sep=
  for _ip_dir in "$agent/products"/*; do
    [ -f "$_ip_dir/version" ] || continue
    _ip_out="$_ip_out$_ip_sep{\\"product\\":$(json_str "$(basename -- "$_ip_dir")"),\\"version\\":$(json_str "$(cat -- "$_ip_dir/version")")}"; _ip_sep=,
  done
  printf '[%s]' "$_ip_out"
}

# Rewrites quarantine/manifest.json from the items' entries; the item directories are the truth.
regenerate_manifest() {
  _rm_file="$agent/quarantine/manifest.json"
  {
    printf '{"items":['
    _rm_sep=
    for _rm_entry in "$agent/quarantine/items"/*/entry.json; do
      [ -f "$_rm_entry" ] || continue
      printf '%s' "$_rm_sep"; cat -- "$_rm_entry"; _rm_sep=,
    done
    printf ']}\\n'
  } > "$_rm_file.$$" && mv -f -- "$_rm_file.$$" "$_rm_file"
}

# Steward's own state must be writable by this account alone, so no other user can plant a link
# in it between a check and its use.
private_dir "$account_home" && private_dir "$agent" || fail "refusing to run: $account_home or $agent may be changed by others than $(id -un)"
`;

/** A built-in script: the helpers, then its body. */
export function agentScript(body: string): string {
  return `${JSON_HELPERS}${AGENT_HELPERS}\n${body.trim()}\n`;
}
