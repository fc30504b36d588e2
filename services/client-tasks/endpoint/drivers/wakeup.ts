import type { SystemProperties } from '../../../../db/entities';
import { agentScript } from '../agent-shell';
import { checkReport, reportShape } from '../report';
import type { EndpointDriver } from './driver';
import { describeInstalled, INSTALLED_PRODUCTS_SCHEMA } from './installed-products';

const SCRIPT = agentScript(`
name=$(hostname 2>/dev/null || uname -n)
release=$(awk -F= '$1 == "PRETTY_NAME" { value = substr($0, index($0, "=") + 1); gsub(/^"|"$/, "", value); print value; exit }' /etc/os-release /usr/lib/os-release 2>/dev/null)
family=$(uname -s | tr '[:upper:]' '[:lower:]')
kernel=$(uname -r)
addresses=$(hostname -I 2>/dev/null | tr ' ' '\\n')
properties="\\"hostname\\":$(json_str "$name"),\\"osRelease\\":$(json_str "$release"),\\"osFamily\\":$(json_str "$family"),\\"kernel\\":$(json_str "$kernel"),\\"addresses\\":$(json_list "$addresses")"
if [ "$STEWARD_FULL_PROPERTIES" = true ]; then properties="$properties,\\"installedProducts\\":$(installed_products_json)"; fi
report "{$properties}"
`);

const TEXT = { type: 'string' };
const PROPERTIES = reportShape<SystemProperties>({
  type: 'object',
  required: ['hostname', 'osRelease', 'osFamily', 'kernel', 'addresses'],
  properties: { hostname: TEXT, osRelease: TEXT, osFamily: TEXT, kernel: TEXT, addresses: { type: 'array', items: TEXT }, installedProducts: INSTALLED_PRODUCTS_SCHEMA },
});

/**
 * Agent Wakeup: contacts the endpoint now and refreshes its properties. Full properties (the
 * default) include the installed products; minimal ones leave the known product list as it is.
 */
export const wakeUp: EndpointDriver = async ({ state, session, system, settings }) => {
  const step = 'Reading the endpoint properties';
  const full = settings.fullProperties !== false;
  const properties = checkReport(PROPERTIES, await session.runScript(step, SCRIPT, { FULL_PROPERTIES: full }), step);
  await state.recordProperties(system.id, properties);
  const products = properties.installedProducts ? `; installed: ${describeInstalled(properties.installedProducts)}` : '';
  return { summary: `${properties.hostname}: ${properties.osRelease || properties.osFamily}, kernel ${properties.kernel}${products}`, report: { ...properties } };
};
