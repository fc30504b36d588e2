import type { SystemStatistics } from '../../../../db/entities';
import { agentScript } from '../agent-shell';
import { endpointPaths } from '../paths';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';

const SCRIPT = agentScript(`
read -r uptime rest < /proc/uptime || fail "cannot read /proc/uptime"
read -r one five fifteen rest < /proc/loadavg || fail "cannot read /proc/loadavg"
disks= sep=
while IFS= read -r path; do
  [ -n "$path" ] || continue
  usage=
  [ -e "$path" ] && usage=$(df -B1 --output=size,used,avail,target -- "$path" 2>/dev/null | tail -n 1)
  if [ -n "$usage" ]; then
    read -r size used avail mount <<STEWARD_USAGE
$usage
STEWARD_USAGE
    entry="{\\"path\\":$(json_str "$path"),\\"mountPoint\\":$(json_str "$mount"),\\"totalBytes\\":$size,\\"usedBytes\\":$used,\\"availableBytes\\":$avail}"
  else
    entry="{\\"path\\":$(json_str "$path"),\\"error\\":\\"does not exist or cannot be read\\"}"
  fi
  disks="$disks$sep$entry"; sep=,
done <<STEWARD_PATHS
$STEWARD_PATHS
STEWARD_PATHS
report "{\\"uptimeSeconds\\":$uptime,\\"load\\":{\\"one\\":$one,\\"five\\":$five,\\"fifteen\\":$fifteen},\\"disks\\":[$disks]}"
`);

type Collected = Omit<SystemStatistics, 'collectedAt'>;

const BYTES = { type: 'integer', minimum: 0 };
const LOAD = { type: 'number', minimum: 0 };
const COLLECTED = reportShape<Collected>({
  type: 'object',
  required: ['uptimeSeconds', 'load', 'disks'],
  properties: {
    uptimeSeconds: { type: 'number', minimum: 0 },
    load: { type: 'object', required: ['one', 'five', 'fifteen'], properties: { one: LOAD, five: LOAD, fifteen: LOAD } },
    disks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path'],
        properties: { path: { type: 'string' }, mountPoint: { type: 'string' }, totalBytes: BYTES, usedBytes: BYTES, availableBytes: BYTES, error: { type: 'string' } },
      },
    },
  },
});

function percent(used: number, total: number): string {
  return total > 0 ? `${Math.round((used / total) * 100)}%` : 'n/a';
}

/** Agent Statistics: uptime, load and disk use of the configured paths, stored on the system with the time of collection. */
export const collectStatistics: EndpointDriver = async ({ state, session, system, settings }) => {
  const step = 'Collecting uptime, load and disk use';
  const collected = checkReport(COLLECTED, await session.runScript(step, SCRIPT, { PATHS: endpointPaths(settings.paths, 'paths') }), step);
  const statistics: SystemStatistics = { collectedAt: new Date().toISOString(), ...collected };
  await state.recordStatistics(system.id, statistics);
  const disks = statistics.disks.map((disk) => `${disk.path} ${disk.error ? 'unreadable' : percent(disk.usedBytes ?? 0, disk.totalBytes ?? 0)}`);
  return {
    summary: `Up ${Math.floor(statistics.uptimeSeconds / 3600)} h, load ${statistics.load.one}; disk use: ${disks.join(', ') || 'no paths'}`,
    report: { ...statistics },
  };
};
