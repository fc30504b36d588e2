/**
 * The helpers every built-in script starts with. Agent state lives under the SSH account's home:
 *   ~/.steward-agent/products/<product>/{version,root}   installed products (the registry)
 *   ~/.steward-agent/installs/<product>/<version>         default install root; <product>/current links the active version
 *   ~/.steward-agent/quarantine/manifest.json            index of quarantined items
 *   ~/.steward-agent/quarantine/items/<id>/               one item: data, original-path, sha256, mode, entry.json …
 *   ~/.steward-agent/incoming/, run/                     uploads in transit, pid files of running tasks
 * Scripts use POSIX sh and coreutils, awk, grep, find, tar, gzip, df, uname and hostname only.
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

const AGENT_HELPERS = `
set -u
umask 022
agent="$HOME/.steward-agent"
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
`;

/** A built-in script: the helpers, then its body. */
export function agentScript(body: string): string {
  return `${JSON_HELPERS}${AGENT_HELPERS}\n${body.trim()}\n`;
}
