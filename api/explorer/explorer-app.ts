/**
 * The explorer's code that runs in the browser. It is sent as the text of `startExplorer` (see
 * `explorerScript`), so the function may use only its parameter and names it defines itself: no
 * imports and no module-level names. The interfaces below describe the few browser and UMD globals
 * it uses, because the project compiles without the DOM's types.
 */

interface ReactApi {
  createElement(type: unknown, props?: Record<string, unknown> | null, ...children: unknown[]): unknown;
  useState<T>(initial: T | (() => T)): [T, (value: T) => void];
  useMemo<T>(make: () => T, dependencies: unknown[]): T;
}

interface GraphiqlApi {
  createFetcher(options: {
    url: string;
    subscriptionUrl: string;
    headers?: Record<string, string>;
    wsConnectionParams?: Record<string, string>;
  }): unknown;
}

interface BrowserStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface GraphqlAnswer {
  data?: Record<string, any> | null;
  errors?: { message: string }[];
}

/** What `startExplorer` reaches through `window`: the browser's own objects and the UMD bundles' globals. */
export interface ExplorerBrowser {
  React: ReactApi;
  ReactDOM: { createRoot(element: unknown): { render(element: unknown): void } };
  GraphiQL: GraphiqlApi;
  sessionStorage: BrowserStorage;
  location: { origin: string; pathname: string };
  document: { getElementById(id: string): { dataset: Record<string, string | undefined> } | null };
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<{ json(): Promise<unknown> }>;
}

/** Renders the sign-in bar and GraphiQL into `#explorer`. */
export function startExplorer(browser: ExplorerBrowser): void {
  const { React, ReactDOM, GraphiQL, sessionStorage } = browser;
  const h = React.createElement;
  // Kept for the tab's life only: closing the tab signs the browser out of the explorer.
  const SESSION_KEY = 'steward.explorer.session';
  const root = browser.document.getElementById('explorer');
  if (!root) return;
  const introspection = root.dataset.introspection === 'on';
  // The page is served at the GraphQL endpoint itself, so its own address is the API's, behind any proxy prefix.
  const url = browser.location.origin + browser.location.pathname;
  const subscriptionUrl = url.replace(/^http/, 'ws');

  type Session = { token: string; username: string };
  const readSession = (): Session | null => {
    try {
      return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    } catch {
      return null;
    }
  };
  const post = async (query: string, variables: Record<string, unknown>, token?: string): Promise<GraphqlAnswer> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await browser.fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as GraphqlAnswer;
  };

  function SignInForm(props: { onSignedIn(session: Session): void }): unknown {
    const [username, setUsername] = React.useState('');
    const [password, setPassword] = React.useState('');
    const [error, setError] = React.useState<string | null>(null);
    const [busy, setBusy] = React.useState(false);
    const submit = async (event: { preventDefault(): void }): Promise<void> => {
      event.preventDefault();
      setBusy(true);
      setError(null);
      try {
        const answer = await post('mutation SignIn($input: LoginInput!) { login(input: $input) { token } }', { input: { username, password } });
        const token = answer.data?.login?.token as string | undefined;
        if (token) props.onSignedIn({ token, username });
        else setError(answer.errors?.[0]?.message ?? 'Sign-in failed');
      } catch (failure) {
        setError(`Sign-in failed: ${String(failure)}`);
      } finally {
        setBusy(false);
      }
    };
    const field = (name: string, label: string, type: string, value: string, set: (value: string) => void, autoComplete: string): unknown =>
      h(
        'label',
        { className: 'steward-field' },
        label,
        h('input', { name, type, value, autoComplete, required: true, onChange: (event: { target: { value: string } }) => set(event.target.value) }),
      );
    return h(
      'form',
      { className: 'steward-signin', onSubmit: submit, 'aria-label': 'Sign in' },
      field('username', 'Username', 'text', username, setUsername, 'username'),
      field('password', 'Password', 'password', password, setPassword, 'current-password'),
      h('button', { type: 'submit', disabled: busy }, busy ? 'Signing in…' : 'Sign in'),
      error ? h('span', { className: 'steward-error', role: 'alert' }, error) : null,
    );
  }

  function Explorer(): unknown {
    const [session, setSession] = React.useState<Session | null>(readSession);
    const token = session?.token;
    const fetcher = React.useMemo(() => {
      const authorization = token ? { authorization: `Bearer ${token}` } : undefined;
      return GraphiQL.createFetcher({ url, subscriptionUrl, headers: authorization, wsConnectionParams: authorization });
    }, [token]);
    const signedIn = (next: Session): void => {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
      setSession(next);
    };
    const signOut = async (): Promise<void> => {
      // Ends the token on the server first, so the page shows signed out only once it is; a logout
      // that fails (the token already expired, the server away) still signs the page out.
      if (token) await post('mutation SignOut { logout { apiToken { id } } }', {}, token).catch(() => undefined);
      sessionStorage.removeItem(SESSION_KEY);
      setSession(null);
    };
    const bar = session
      ? h(
          'div',
          { className: 'steward-signed-in' },
          h('span', null, 'Signed in as ', h('strong', null, session.username)),
          h('button', { type: 'button', onClick: signOut }, 'Sign out'),
        )
      : h(SignInForm, { onSignedIn: signedIn });
    return h(
      'div',
      { className: 'steward-explorer' },
      h('header', { className: 'steward-bar' }, h('span', { className: 'steward-title' }, 'Steward GraphQL'), bar),
      h(
        'div',
        { className: 'steward-graphiql' },
        h(GraphiQL, {
          fetcher,
          // Without introspection GraphiQL would only show the server's refusal: it runs queries without a schema instead.
          schema: introspection ? undefined : null,
          // Editor tabs may hold passwords typed into a login mutation, so they last only as long as the tab.
          storage: sessionStorage,
          defaultQuery: '# Sign in above, then run a query with ▶ (Ctrl-Enter).\nquery Me {\n  me {\n    username\n    roles\n  }\n}\n',
        }),
      ),
    );
  }

  ReactDOM.createRoot(root).render(h(Explorer, null));
}

/** The script served as the explorer's code: `startExplorer`'s text, called with the page's window. */
export function explorerScript(): string {
  return `'use strict';\n(${startExplorer.toString()})(window);\n`;
}
