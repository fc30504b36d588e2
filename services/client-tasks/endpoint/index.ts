export { ClientEndpointService, type EndpointRunRequest } from './client-endpoint-service';
export type { EndpointRunOptions, EndpointRunPlan, EndpointRunResult } from './endpoint-run';
export { isCompatible } from './compatibility';
