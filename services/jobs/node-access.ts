import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, ProductPackage, WorkerNode } from '../../db/entities';
import { JobState } from '../../lib/enums';
import { DomainError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../shared/errors';
import type { PackageRepositoryService } from '../client-tasks/package-repository';
import type { NodeCredentials } from './node-credentials';

/**
 * What a remote node may ask of the API (api/node-endpoint.ts): whether it is registered under
 * the key it holds, and the packages a job it runs was granted. A keyless node has no database,
 * so this is its only way to them, and each answer is held to what the node showed.
 */
export class NodeAccessService {
  constructor(
    private readonly em: EntityManager,
    private readonly credentials: NodeCredentials,
    private readonly repository: PackageRepositoryService,
  ) {}

  /** The node that signed the hello, when it is registered. */
  async hello(token: string): Promise<string> {
    const node = this.credentials.openHello(token);
    if (!node) throw new UnauthenticatedError('The hello is not signed with the key this server gives that node, or its time is more than five minutes off');
    if (!(await this.em.count(WorkerNode, { name: node }))) throw new DomainError('NOT_FOUND', `Node "${node}" is not registered; register it with registerNode first`);
    return node;
  }

  /** A package's tarball, for a node whose job was granted it and is still running. */
  async grantedPackage(token: string, packageId: string): Promise<{ content: Buffer; sha256: string }> {
    const grant = this.credentials.openPackageGrant(token);
    if (!grant) throw new UnauthenticatedError('The package grant is not one this server signed, or it has expired');
    if (!grant.packageIds.includes(packageId)) throw new ForbiddenError(`Package ${packageId} was not granted to job ${grant.jobId}`);
    if (!(await this.em.count(WorkerNode, { name: grant.node }))) throw new ForbiddenError(`Node "${grant.node}" is no longer registered`);
    // The grant lives as long as its job runs: a leaked one is worth nothing after the job ends.
    if (!(await this.em.count(Job, { id: grant.jobId, state: JobState.RUNNING }))) throw new ForbiddenError(`Job ${grant.jobId} is not running`);
    const found = await this.em.findOne(ProductPackage, { id: packageId });
    if (!found) throw new NotFoundError('Package', packageId);
    return { content: await this.repository.content(found), sha256: found.sha256 };
  }
}
