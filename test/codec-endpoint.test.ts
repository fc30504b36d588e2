import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { Role } from '../lib/enums';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { AuthService } from '../services/identity/auth-service';
import { EncryptionCodec } from '../temporal/encryption-codec';
import { fromWire, toWire, type WirePayload } from './harness/codec-wire';
import { startStewardStack, uniqueName, type StewardStack } from './harness/steward';
import { testEnvironment } from './harness/test-env';

interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const UI_ORIGIN = 'http://localhost:8233';
const SECRET = `plaintext-secret-${randomBytes(6).toString('hex')}`;

function decodeBase64(value: string | undefined): string {
  return Buffer.from(value ?? '', 'base64').toString('utf8');
}

describe('codec endpoint', () => {
  let stack: StewardStack;
  let operatorToken: string;

  /** A raw HTTP request, so headers such as Origin and Cookie go out exactly as given. */
  function http(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: stack.api.port, method, path, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  function codec(operation: 'encode' | 'decode', payloads: WirePayload[], headers: Record<string, string>): Promise<HttpResponse> {
    return http('POST', `/codec/${operation}`, headers, JSON.stringify({ payloads }));
  }

  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

  async function createUser(roles: Role[]): Promise<{ username: string; password: string }> {
    const username = uniqueName('codec');
    const password = randomBytes(18).toString('base64url');
    await new AuthService(stack.orm.em.fork()).createUser(SYSTEM_ACTOR, username, password, roles);
    return { username, password };
  }

  function login(username: string, password: string): Promise<HttpResponse> {
    return http(
      'POST',
      '/graphql',
      {},
      JSON.stringify({
        query: 'mutation ($input: LoginInput!) { login(input: $input) { token } }',
        variables: { input: { username, password } },
      }),
    );
  }

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    operatorToken = await stack.signIn([Role.OPERATOR]);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('answers GET /healthz with 200 ok', async () => {
    const response = await http('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toBe('ok');
  });

  describe('access', () => {
    const samplePayloads = (): WirePayload[] => [toWire(defaultPayloadConverter.toPayload('x'))];

    it.each(['decode', 'encode'] as const)('refuses POST /codec/%s without credentials with 401', async (operation) => {
      const response = await codec(operation, samplePayloads(), {});
      expect(response.status).toBe(401);
      expect(response.body).not.toContain('payloads');
    });

    it('refuses an unknown bearer token with 401', async () => {
      const response = await codec('decode', samplePayloads(), bearer(`stw_${randomBytes(32).toString('base64url')}`));
      expect(response.status).toBe(401);
    });

    it('refuses an unknown session cookie with 401', async () => {
      const response = await codec('decode', samplePayloads(), { cookie: `steward_session=stw_${randomBytes(32).toString('base64url')}` });
      expect(response.status).toBe(401);
    });

    it.each(['decode', 'encode'] as const)('refuses POST /codec/%s for a user without roles with 403', async (operation) => {
      const token = await stack.signIn([]);
      const response = await codec(operation, samplePayloads(), bearer(token));
      expect(response.status).toBe(403);
      expect(response.body).toBe('the codec endpoint is open only to operators');
    });

    it('lets an operator in', async () => {
      const response = await codec('decode', samplePayloads(), bearer(operatorToken));
      expect(response.status).toBe(200);
    });

    it('lets a system administrator in', async () => {
      const response = await codec('decode', samplePayloads(), bearer(await stack.signIn([Role.SYSTEM_ADMINISTRATOR])));
      expect(response.status).toBe(200);
    });
  });

  describe('encode and decode', () => {
    const values: unknown[] = [{ recordId: 'b1f8a2c4-0000-4000-8000-000000000001', password: SECRET }, SECRET, 7, null];

    it('round-trips payloads through /codec/encode and /codec/decode', async () => {
      const originals = values.map((value) => toWire(defaultPayloadConverter.toPayload(value)));

      const encoded = await codec('encode', originals, bearer(operatorToken));
      expect(encoded.status).toBe(200);
      expect(encoded.headers['content-type']).toBe('application/json');
      const encodedPayloads = (JSON.parse(encoded.body) as { payloads: WirePayload[] }).payloads;
      expect(encodedPayloads).toHaveLength(values.length);

      const decoded = await codec('decode', encodedPayloads, bearer(operatorToken));
      expect(decoded.status).toBe(200);
      const decodedPayloads = (JSON.parse(decoded.body) as { payloads: WirePayload[] }).payloads;
      expect(decodedPayloads).toEqual(originals);
      expect(decodedPayloads.map((payload) => defaultPayloadConverter.fromPayload(fromWire(payload)))).toEqual(values);
    });

    it('encodes to binary/encrypted payloads that do not hold the plaintext', async () => {
      const original = toWire(defaultPayloadConverter.toPayload({ password: SECRET }));
      const response = await codec('encode', [original], bearer(operatorToken));
      const [encoded] = (JSON.parse(response.body) as { payloads: WirePayload[] }).payloads;
      expect(decodeBase64(encoded!.metadata?.encoding)).toBe('binary/encrypted');
      expect(encoded!.data).not.toBe(original.data);
      expect(decodeBase64(encoded!.data)).not.toContain(SECRET);
      expect(response.body).not.toContain(SECRET);
      expect(response.body).not.toContain(original.data!);
    });

    it('decodes what the Temporal client encrypts with the master key', async () => {
      const [encrypted] = await new EncryptionCodec(stack.masterKey).encode([defaultPayloadConverter.toPayload({ password: SECRET })]);
      const response = await codec('decode', [toWire(encrypted!)], bearer(operatorToken));
      expect(response.status).toBe(200);
      const [decoded] = (JSON.parse(response.body) as { payloads: WirePayload[] }).payloads;
      expect(defaultPayloadConverter.fromPayload(fromWire(decoded!))).toEqual({ password: SECRET });
    });

    it('decodes the input of a workflow as Temporal stores it', async () => {
      const workflowId = uniqueName('codec-endpoint-test');
      const handle = await stack.client.workflow.start('codecEndpointTestWorkflow', {
        taskQueue: uniqueName('codec-endpoint-test'),
        workflowId,
        args: [{ note: SECRET }],
      });
      try {
        const history = await stack.client.workflowService.getWorkflowExecutionHistory({
          namespace: testEnvironment().temporalNamespace,
          execution: { workflowId, runId: handle.firstExecutionRunId },
        });
        const stored = history.history!.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
        expect(stored).toHaveLength(1);
        expect(Buffer.from(stored[0]!.data!).includes(Buffer.from(SECRET))).toBe(false);

        const response = await codec('decode', stored.map((payload) => toWire(payload as Payload)), bearer(operatorToken));
        expect(response.status).toBe(200);
        const [decoded] = (JSON.parse(response.body) as { payloads: WirePayload[] }).payloads;
        expect(defaultPayloadConverter.fromPayload(fromWire(decoded!))).toEqual({ note: SECRET });
      } finally {
        await handle.terminate('test done');
      }
    });

    it('passes payloads that are not encrypted through decode unchanged', async () => {
      const plain = toWire(defaultPayloadConverter.toPayload({ hello: 'world' }));
      const response = await codec('decode', [plain], bearer(operatorToken));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ payloads: [plain] });
    });

    it('answers a body without payloads with 400', async () => {
      const response = await http('POST', '/codec/decode', bearer(operatorToken), JSON.stringify({ nothing: [] }));
      expect(response.status).toBe(400);
      expect(response.body).toBe('expected {"payloads": [...]}');
    });

    it('answers a body that is not JSON with 400', async () => {
      const response = await http('POST', '/codec/decode', bearer(operatorToken), '{"payloads": [');
      expect(response.status).toBe(400);
      expect(response.body).toBe('bad request');
    });
  });

  describe('CORS', () => {
    it('answers a preflight from the Temporal Web UI origin with credentials allowed', async () => {
      const response = await http('OPTIONS', '/codec/decode', {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-namespace',
      });
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers['access-control-allow-methods']).toContain('POST');
      expect(response.headers['access-control-allow-headers']).toEqual(expect.stringContaining('x-namespace'));
      expect(response.headers['access-control-allow-headers']).toEqual(expect.stringContaining('content-type'));
      expect(response.headers.vary).toMatch(/origin/i);
    });

    it('gives an unlisted origin no allow-origin header', async () => {
      const response = await http('OPTIONS', '/codec/decode', { origin: 'http://evil.example', 'access-control-request-method': 'POST' });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('does not treat a listed origin with another port as listed', async () => {
      const response = await http('OPTIONS', '/codec/decode', { origin: 'http://localhost:8234', 'access-control-request-method': 'POST' });
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('sends the allow-origin header on the actual POST, so the UI can read the result', async () => {
      const response = await codec('decode', [toWire(defaultPayloadConverter.toPayload('x'))], { ...bearer(operatorToken), origin: UI_ORIGIN });
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('session cookie', () => {
    function sessionCookie(response: HttpResponse): string | undefined {
      const header = response.headers['set-cookie'];
      const cookies = Array.isArray(header) ? header : header ? [header] : [];
      return cookies.find((cookie) => cookie.startsWith('steward_session='));
    }

    /** Logs in through GraphQL and returns the `name=value` part of the session cookie it set. */
    async function loginCookie(roles: Role[]): Promise<string> {
      const { username, password } = await createUser(roles);
      const response = await login(username, password);
      expect(response.status).toBe(200);
      const cookie = sessionCookie(response);
      expect(cookie).toEqual(expect.stringMatching(/^steward_session=stw_/));
      return cookie!.split(';')[0]!;
    }

    it('accepts a session token sent in the steward_session cookie instead of a bearer header', async () => {
      const response = await codec('decode', [toWire(defaultPayloadConverter.toPayload('x'))], {
        cookie: `theme=dark; steward_session=${operatorToken}; other=1`,
      });
      expect(response.status).toBe(200);
    });

    it('is set by a GraphQL login, scoped to /codec and HttpOnly, and holds the login token', async () => {
      const { username, password } = await createUser([Role.OPERATOR]);
      const response = await login(username, password);
      expect(response.status).toBe(200);
      const token = (JSON.parse(response.body) as { data: { login: { token: string } } }).data.login.token;
      const cookie = sessionCookie(response);
      expect(cookie).toBeDefined();
      const [pair, ...attributes] = cookie!.split(';').map((part) => part.trim());
      expect(pair).toBe(`steward_session=${token}`);
      expect(attributes).toContain('Path=/codec');
      expect(attributes).toContain('HttpOnly');
      expect(attributes).toContain('SameSite=Lax');
      // The public URL is plain http here: a Secure cookie would never come back.
      expect(attributes).not.toContain('Secure');
    });

    it('is Secure when the public URL is https', async () => {
      const httpsStack = await startStewardStack({ worker: false, api: { publicUrl: 'https://steward.example' } });
      try {
        const { username, password } = await createUser([Role.OPERATOR]);
        const response = await fetch(httpsStack.api.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'mutation ($input: LoginInput!) { login(input: $input) { token } }', variables: { input: { username, password } } }),
        });
        expect(response.status).toBe(200);
        const cookie = response.headers.getSetCookie().find((header) => header.startsWith('steward_session=stw_'));
        expect(cookie?.split(';').map((part) => part.trim())).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'Path=/codec']));
      } finally {
        await httpsStack.stop();
      }
    });

    it('is accepted by /codec/decode for an operator', async () => {
      const cookie = await loginCookie([Role.OPERATOR]);
      const [encrypted] = await new EncryptionCodec(stack.masterKey).encode([defaultPayloadConverter.toPayload(SECRET)]);
      const response = await codec('decode', [toWire(encrypted!)], { cookie: `theme=dark; ${cookie}`, origin: UI_ORIGIN });
      expect(response.status).toBe(200);
      const [decoded] = (JSON.parse(response.body) as { payloads: WirePayload[] }).payloads;
      expect(defaultPayloadConverter.fromPayload(fromWire(decoded!))).toBe(SECRET);
    });

    it('does not open /codec/decode for a user without roles', async () => {
      const cookie = await loginCookie([]);
      const response = await codec('decode', [toWire(defaultPayloadConverter.toPayload('x'))], { cookie });
      expect(response.status).toBe(403);
    });

    it('is not set by a failed login', async () => {
      const { username } = await createUser([Role.OPERATOR]);
      const response = await login(username, 'wrong-password-123');
      expect((JSON.parse(response.body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(sessionCookie(response)).toBeUndefined();
    });

    it('is not set by requests other than login', async () => {
      const response = await http('POST', '/graphql', bearer(operatorToken), JSON.stringify({ query: '{ me { username } }' }));
      expect(response.status).toBe(200);
      expect(sessionCookie(response)).toBeUndefined();
    });
  });
});
