import { apiPackageFetch } from '../services/client-tasks/endpoint/api-package-fetch';
import type { CentralReach } from '../services/client-tasks/endpoint/node-run';
import { apiOutputSink } from '../services/jobs/api-output-sink';
import { type ActivityDependencies, servicesFor } from './dependencies';

/** A keyless node reaches what is central through the API (STEWARD_API_URL), showing each job's grant. */
export function reachThroughApi(apiUrl: string | null): CentralReach {
  return {
    fetchPackage: apiPackageFetch(apiUrl),
    outputSink: (job) => (apiUrl ? apiOutputSink(apiUrl, job.jobId, job.grant) : null),
  };
}

/** A worker with the database reaches it directly; it needs no grant. */
export function reachThroughDatabase(deps: Pick<ActivityDependencies, 'orm' | 'ports'>): CentralReach {
  const services = servicesFor(deps);
  return {
    fetchPackage: (repositoryPackage) => services().packageRepository.content(repositoryPackage),
    outputSink: (job) => (rows) => services().jobOutput.append(job.jobId, rows),
  };
}
