import { randomBytes } from 'node:crypto';
import { type Browser, chromium, type Page } from 'playwright-core';
import { EXPLORER_ASSET_NAMES } from '../api/explorer/explorer-assets';
import { EXPLORER_CSP, INTROSPECTION_OFF_NOTICE } from '../api/explorer/serve-explorer';
import { Role } from '../lib/enums';
import { AuthService } from '../services/identity/auth-service';
import { SYSTEM_ACTOR } from '../services/shared/audit';
import { eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';

// Debian's chromium, installed by `scripts/bootstrap.sh --tests`; playwright-core brings no browser.
const CHROMIUM = '/usr/bin/chromium';
const SESSION_KEY = 'steward.explorer.session';

let stack: StewardStack;
let browser: Browser;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStewardStack({ worker: false }),
    // As root, Chromium's sandbox cannot start.
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Replaces the query editor's text; inserted as text, so no brackets are auto-closed. */
async function typeQuery(page: Page, query: string, operationName: string | null): Promise<void> {
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(query);
  // GraphiQL reads the operation's name from the text 100 ms after an edit; running before then sends the old name.
  // Polled from outside: page.waitForFunction evaluates its predicate with eval, which the page's CSP refuses.
  const read = `document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.operationName`;
  await eventually(async () => ((await page.evaluate(read)) === operationName ? true : undefined), 5_000, 'GraphiQL to read the operation name', 50);
}

/**
 * A page whose requests to anywhere but `origin` are refused; `outside` lists those it tried,
 * `violations` the CSP reports, `socketFrames` what it sent over WebSockets.
 */
async function offlinePage(origin: string): Promise<{ page: Page; outside: string[]; violations: string[]; socketFrames: string[] }> {
  const page = await browser.newPage();
  const outside: string[] = [];
  const violations: string[] = [];
  const socketFrames: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== 'data:') outside.push(request.url());
  });
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== new URL(origin).host) outside.push(socket.url());
    socket.on('framesent', (frame) => socketFrames.push(frame.payload.toString()));
  });
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  await page.route('**/*', (route) => (new URL(route.request().url()).origin === origin ? route.continue() : route.abort('blockedbyclient')));
  return { page, outside, violations, socketFrames };
}

async function createUser(roles: Role[]): Promise<{ username: string; password: string }> {
  const username = uniqueName('explorer');
  const password = randomBytes(18).toString('base64url');
  await new AuthService(stack.orm.em.fork()).createUser(SYSTEM_ACTOR, username, password, roles);
  return { username, password };
}

test('the explorer loads from the API alone, signs in, runs a query and signs out', async () => {
  const origin = new URL(stack.api.url).origin;
  const { username, password } = await createUser([Role.OPERATOR]);
  const { page, outside, violations, socketFrames } = await offlinePage(origin);

  const response = await page.goto(stack.api.url);
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toBe(EXPLORER_CSP);

  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
  const session = JSON.parse((await page.evaluate<string | null>(`sessionStorage.getItem('${SESSION_KEY}')`)) ?? 'null') as { token: string };

  await typeQuery(page, 'query Whoami { me { username } }', 'Whoami');
  const [sent] = await Promise.all([
    page.waitForRequest((request) => request.method() === 'POST' && (request.postData() ?? '').includes('Whoami')),
    page.getByRole('button', { name: /Execute query/ }).click(),
  ]);
  expect(sent.headers()['authorization']).toBe(`Bearer ${session.token}`);
  await page.locator('.graphiql-response', { hasText: `"username": "${username}"` }).waitFor();

  // A subscription goes over graphql-ws to the same address, with the token in the connection parameters.
  await typeQuery(page, 'subscription Watch { jobUpdated { state } }', 'Watch');
  await page.getByRole('button', { name: /Execute query/ }).click();
  const init = await eventually(async () => socketFrames.find((frame) => frame.includes('connection_init')), 10_000, 'the WebSocket connection_init');
  expect(JSON.parse(init)).toEqual({ type: 'connection_init', payload: { authorization: `Bearer ${session.token}` } });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  expect(await page.evaluate(`sessionStorage.getItem('${SESSION_KEY}')`)).toBeNull();
  // Signing out ended the token on the server too.
  const after = await stack.graphql('{ me { username } }', {}, session.token);
  expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

  expect(outside).toEqual([]);
  expect(violations).toEqual([]);
  await page.close();
}, 60_000);

test('a wrong password is refused on the page, and GraphQL clients still get GraphQL at the same path', async () => {
  const origin = new URL(stack.api.url).origin;
  const { username } = await createUser([]);
  const { page, outside } = await offlinePage(origin);
  await page.goto(stack.api.url);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill('not-the-password-1A!');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.evaluate(`sessionStorage.getItem('${SESSION_KEY}')`)).toBeNull();
  expect(outside).toEqual([]);
  await page.close();

  const json = await fetch(`${stack.api.url}?query=${encodeURIComponent('{ __typename }')}`, {
    headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
  });
  expect(await json.json()).toEqual({ data: { __typename: 'Query' } });
  // CSRF prevention still refuses a simple request that a form on another site could send.
  const simple = await fetch(`${stack.api.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'application/json' } });
  expect(simple.status).toBe(400);

  for (const name of EXPLORER_ASSET_NAMES) {
    const asset = await fetch(`${origin}/graphql/assets/${name}`);
    expect([name, asset.status]).toEqual([name, 200]);
    const cached = await fetch(`${origin}/graphql/assets/${name}`, { headers: { 'if-none-match': asset.headers.get('etag')! } });
    expect([name, cached.status]).toEqual([name, 304]);
  }
  expect((await fetch(`${origin}/graphql/assets/..%2Fpackage.json`)).status).toBe(404);
}, 60_000);

test('without introspection the page says so and still runs queries', async () => {
  const closed = await startStewardStack({ worker: false, api: { introspection: false } });
  try {
    const origin = new URL(closed.api.url).origin;
    const { page, outside } = await offlinePage(origin);
    await page.goto(closed.api.url);
    await page.getByRole('status').filter({ hasText: INTROSPECTION_OFF_NOTICE }).waitFor();
    await typeQuery(page, '{ __typename }', null);
    await page.getByRole('button', { name: /Execute query/ }).click();
    await page.locator('.graphiql-response', { hasText: '"__typename": "Query"' }).waitFor();
    expect(outside).toEqual([]);
    await page.close();
  } finally {
    await closed.stop();
  }
}, 60_000);
