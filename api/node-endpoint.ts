import type { IncomingMessage, ServerResponse } from 'node:http';
import { NODE_HELLO_PATH, NODE_PACKAGES_PATH } from '../lib/nodes';
import type { Services } from '../services';
import { DomainError, type DomainErrorCode } from '../services/shared/errors';

const STATUS: Partial<Record<DomainErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

/** Whether this request is for the paths remote nodes use rather than people. */
export function isNodeRequest(url: URL): boolean {
  return url.pathname === NODE_HELLO_PATH || url.pathname.startsWith(NODE_PACKAGES_PATH);
}

/** The package named in the path; one that does not decode names no package, so no grant covers it. */
function packageIdOf(url: URL): string {
  try {
    return decodeURIComponent(url.pathname.slice(NODE_PACKAGES_PATH.length));
  } catch {
    return '';
  }
}

/**
 * What remote nodes ask of the API, with what they hold rather than a user's token: POST
 * /node/hello, signed with the node's key, and GET /node/packages/<id> with a job's package grant.
 * Both are answered by `NodeAccessService`; its refusals become 401, 403 and 404.
 */
export async function serveNodeRequest(req: IncomingMessage, res: ServerResponse, url: URL, token: string | null, services: Pick<Services, 'nodeAccess'>): Promise<void> {
  const hello = url.pathname === NODE_HELLO_PATH;
  if (req.method !== (hello ? 'POST' : 'GET')) {
    res.writeHead(405, { allow: hello ? 'POST' : 'GET', 'content-type': 'text/plain' }).end(`use ${hello ? 'POST' : 'GET'}`);
    return;
  }
  if (!token) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end(hello ? 'send the hello signed with the node key as a bearer token' : "send the job's package grant as a bearer token");
    return;
  }
  try {
    if (hello) {
      const node = await services.nodeAccess.hello(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ node, registered: true }));
      return;
    }
    const { content, sha256 } = await services.nodeAccess.grantedPackage(token, packageIdOf(url));
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': content.length, 'x-sha256': sha256 }).end(content);
  } catch (error) {
    const status = error instanceof DomainError ? STATUS[error.code] : undefined;
    if (!status) throw error;
    res.writeHead(status, { 'content-type': 'text/plain' }).end((error as Error).message);
  }
}
