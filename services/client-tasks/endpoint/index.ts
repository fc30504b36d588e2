export { ClientEndpointService, type EndpointRunOptions, type EndpointRunRequest, type EndpointRunResult } from './client-endpoint-service';
export { isCompatible } from './compatibility';
