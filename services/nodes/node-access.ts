import type { EntityManager } from '@mikro-orm/postgresql';
import { Job, ProductPackage, WorkerNode } from '../../db/entities';
import { JobState, OutputStream } from '../../lib/enums';
import { BadInputError, DomainError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../shared/errors';
import type { PackageRepositoryService } from '../client-tasks/package-repository';
import type { JobOutputLog } from '../jobs/job-output-log';
import type { JobGrant, NodeCredentials } from './node-credentials';
import { BATCH_LINES } from '../jobs/output-writer';

/** A line of output as long as a node may send one; longer ones are cut. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * What a remote node may ask of the API (api/node-endpoint.ts): whether it is registered under
 * the key it holds; and, for a job it runs, to add to the job's live output and fetch the packages
 * the job was granted. A keyless node has no database, so this is its only way to them, and each
 * answer is held to what the node showed.
 */
export class NodeAccessService {
  constructor(
    private readonly em: EntityManager,
    private readonly credentials: NodeCredentials,
    private readonly repository: PackageRepositoryService,
    private readonly output: JobOutputLog,
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
    const grant = this.openGrant(token);
    if (!grant.packageIds.includes(packageId)) throw new ForbiddenError(`Package ${packageId} was not granted to job ${grant.jobId}`);
    await this.assertStillGranted(grant);
    const found = await this.em.findOne(ProductPackage, { id: packageId });
    if (!found) throw new NotFoundError('Package', packageId);
    return { content: await this.repository.content(found), sha256: found.sha256 };
  }

  /** Adds lines a node's run of the job printed (redacted there) to the job's live output; returns how many. */
  async appendOutput(token: string, jobId: string, body: unknown): Promise<number> {
    const grant = this.openGrant(token);
    if (grant.jobId !== jobId) throw new ForbiddenError(`The grant is for job ${grant.jobId}, not ${jobId}`);
    const lines = (body as { lines?: unknown } | null)?.lines;
    if (!Array.isArray(lines) || lines.length > BATCH_LINES) throw new BadInputError(`Send { lines: [{ stream, text }] }, at most ${BATCH_LINES} at a time`, 'lines');
    const at = new Date();
    const rows = lines.map((line: { stream?: unknown; text?: unknown } | null) => {
      if (!line || (line.stream !== OutputStream.STDOUT && line.stream !== OutputStream.STDERR) || typeof line.text !== 'string') {
        throw new BadInputError('Each line is { stream: STDOUT or STDERR, text }', 'lines');
      }
      // PostgreSQL text cannot hold NUL.
      return { stream: line.stream, text: line.text.slice(0, MAX_LINE_CHARS).replace(/\0/g, ''), at };
    });
    await this.assertStillGranted(grant);
    await this.output.append(jobId, rows);
    return rows.length;
  }

  private openGrant(token: string): JobGrant {
    const grant = this.credentials.openJobGrant(token);
    if (!grant) throw new UnauthenticatedError('The job grant is not one this server signed, or it has expired');
    return grant;
  }

  /** A grant lives as long as its job runs, on a node still registered: a leaked one is worth nothing after. */
  private async assertStillGranted(grant: JobGrant): Promise<void> {
    if (!(await this.em.count(WorkerNode, { name: grant.node }))) throw new ForbiddenError(`Node "${grant.node}" is no longer registered`);
    if (!(await this.em.count(Job, { id: grant.jobId, state: JobState.RUNNING }))) throw new ForbiddenError(`Job ${grant.jobId} is not running`);
  }
}
