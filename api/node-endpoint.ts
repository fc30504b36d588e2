import type { IncomingMessage, ServerResponse } from 'node:http';
import { NODE_HELLO_PATH, NODE_JOBS_PATH, NODE_PACKAGES_PATH } from '../lib/nodes';
import type { Services } from '../services';
import { DomainError, type DomainErrorCode } from '../services/shared/errors';

const STATUS: Partial<Record<DomainErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, BAD_USER_INPUT: 400 };
const JOB_OUTPUT = new RegExp(`^${NODE_JOBS_PATH}([^/]+)/output$`);

/** Whether this request is for the paths remote nodes use rather than people. */
export function isNodeRequest(url: URL): boolean {
  return url.pathname === NODE_HELLO_PATH || url.pathname.startsWith(NODE_PACKAGES_PATH) || url.pathname.startsWith(NODE_JOBS_PATH);
}

/** A path segment decoded; one that does not decode names nothing, so no grant covers it. */
function segment(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return '';
  }
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(message);
}

/**
 * What remote nodes ask of the API, with what they hold rather than a user's token:
 * - POST /node/hello, signed with the node's key;
 * - GET /node/packages/<id>, with the grant of a job that was planned that package;
 * - POST /node/jobs/<id>/output, `{ lines: [{ stream, text }] }`, with that job's grant.
 * `NodeAccessService` answers them; its refusals become 400, 401, 403 and 404.
 */
export async function serveNodeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  token: string | null,
  body: () => Promise<string>,
  services: Pick<Services, 'nodeAccess'>,
): Promise<void> {
  const output = JOB_OUTPUT.exec(url.pathname);
  const method = url.pathname.startsWith(NODE_PACKAGES_PATH) ? 'GET' : 'POST';
  if (req.method !== method) {
    res.writeHead(405, { allow: method, 'content-type': 'text/plain' }).end(`use ${method}`);
    return;
  }
  if (!token) return refuse(res, 401, url.pathname === NODE_HELLO_PATH ? 'send the hello signed with the node key as a bearer token' : "send the job's grant as a bearer token");
  try {
    if (url.pathname === NODE_HELLO_PATH) {
      const node = await services.nodeAccess.hello(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ node, registered: true }));
    } else if (output) {
      const added = await services.nodeAccess.appendOutput(token, segment(output[1]!), JSON.parse(await body()));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ added }));
    } else if (url.pathname.startsWith(NODE_PACKAGES_PATH)) {
      const { content, sha256 } = await services.nodeAccess.grantedPackage(token, segment(url.pathname.slice(NODE_PACKAGES_PATH.length)));
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': content.length, 'x-sha256': sha256 }).end(content);
    } else {
      refuse(res, 404, 'not found');
    }
  } catch (error) {
    const status = error instanceof DomainError ? STATUS[error.code] : undefined;
    if (!status) throw error;
    refuse(res, status, (error as Error).message);
  }
}
