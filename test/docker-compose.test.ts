/**
 * Keeps docker-compose.yml (the scale-out deployment) correct without running Docker:
 * parses the file and checks its wiring. Where a runnable `docker compose` exists, it also
 * asks Compose itself to validate the file.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { CLUSTER_PERSISTENCE } from '../scripts/temporal-cluster';
import { STEWARD_SEARCH_ATTRIBUTE_NAMES } from '../workflows/search-attributes';

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

type Env = Record<string, string>;
interface Healthcheck {
  test?: string | string[];
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: Healthcheck;
  ports?: Array<string | number | { target?: number; published?: number | string }>;
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Values the test feeds to Compose for required variables (never real secrets). */
const DUMMY_ENV: Env = {
  POSTGRES_PASSWORD: 'dummy-postgres-password',
  STEWARD_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
  STEWARD_ADMIN_PASSWORD: 'dummy-admin-password',
};

const raw = readFileSync(COMPOSE_FILE, 'utf8');
// `merge: true` resolves the `<<: *anchor` keys, exactly as Compose does.
const compose = parse(raw, { merge: true }) as ComposeFile;
const services = compose.services;
const names = Object.keys(services ?? {});

/**
 * Compose-style interpolation of a value: `${VAR:-default}` gives the default, `${VAR}` and
 * `${VAR:?msg}` take `env` (DUMMY_ENV), and `$$` is a literal `$`.
 */
function interpolate(value: string, env: Env = DUMMY_ENV): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const set = env[name!];
    if (op === ':-' || op === '-') return set ?? arg ?? '';
    if (set !== undefined) return set;
    throw new Error(`required variable ${name} is not set: ${arg ?? ''}`);
  });
}

/** The service's environment as raw (uninterpolated) strings. */
function rawEnv(service: Service): Env {
  const env: Env = {};
  const source = service.environment ?? {};
  if (Array.isArray(source)) {
    for (const entry of source) {
      const i = entry.indexOf('=');
      env[i < 0 ? entry : entry.slice(0, i)] = i < 0 ? '' : entry.slice(i + 1);
    }
  } else {
    for (const [key, value] of Object.entries(source)) env[key] = value == null ? '' : String(value);
  }
  return env;
}

function env(service: Service): Env {
  return Object.fromEntries(Object.entries(rawEnv(service)).map(([k, v]) => [k, interpolate(v)]));
}

function dependencies(service: Service): Record<string, string> {
  const dependsOn = service.depends_on ?? [];
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([n, d]) => [n, d?.condition ?? 'service_started']));
}

function commandText(service: Service): string {
  const parts = [service.entrypoint, service.command].flatMap((c) => (c == null ? [] : Array.isArray(c) ? c : [c]));
  return parts.join(' ');
}

function hostPort(address: string): { host: string; port: string } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: address.slice(i + 1) };
}

/** Host port published for a container port, if any. */
function publishedPort(service: Service, containerPort: number): number | undefined {
  for (const p of service.ports ?? []) {
    if (typeof p === 'object') {
      if (Number(p.target) === containerPort && p.published != null) return Number(interpolate(String(p.published)));
      continue;
    }
    const spec = interpolate(String(p)).split('/')[0];
    const parts = spec.split(':');
    const target = Number(parts[parts.length - 1]);
    if (target === containerPort && parts.length >= 2) return Number(parts[parts.length - 2]);
  }
  return undefined;
}

/** Services running a Steward entry point, by script. */
function runs(script: string): string[] {
  return names.filter((n) => commandText(services[n]).includes(`dist/scripts/${script}.js`));
}

/** The Temporal server version bootstrap builds for scripts/temporal-cluster.ts. */
const CLUSTER_SERVER_VERSION = /^TEMPORAL_SERVER_VERSION=v(\S+)$/m.exec(readFileSync(path.join(ROOT, 'scripts', 'bootstrap.sh'), 'utf8'))?.[1];

const temporalServer = names.find((n) => services[n].image?.startsWith('temporalio/server:'));
const adminTools = names.filter((n) => services[n].image?.startsWith('temporalio/admin-tools:'));
const schemaJob = adminTools.find((n) => commandText(services[n]).includes('temporal-sql-tool'));
const setupJob = adminTools.find((n) => commandText(services[n]).includes('search-attribute create'));
const ui = names.find((n) => services[n].image?.startsWith('temporalio/ui:'));
const postgres = names.find((n) => /^postgres(:|@|$)/.test(services[n].image ?? ''));
const workers = runs('worker');
const stewardApps = ['migrate', 'api', ...workers];

describe('docker-compose.yml (scale-out deployment)', () => {
  it('has the expected services', () => {
    expect(names).toEqual(expect.arrayContaining(['postgres', 'temporal', 'temporal-ui', 'migrate', 'api', 'worker', 'worker-edge']));
    expect(postgres).toBe('postgres');
    expect(temporalServer).toBe('temporal');
    expect(schemaJob).toBeDefined();
    expect(setupJob).toBeDefined();
    expect(names.some((n) => services[n].image?.startsWith('temporalio/auto-setup:'))).toBe(false);
    expect(ui).toBe('temporal-ui');
    expect(runs('migrate')).toEqual(['migrate']);
    expect(runs('api')).toEqual(['api']);
    expect(workers.sort()).toEqual(['worker', 'worker-edge']);
  });

  it('depends_on names existing services, with valid conditions and no cycles', () => {
    for (const name of names) {
      for (const [dep, condition] of Object.entries(dependencies(services[name]))) {
        expect({ service: name, dependsOn: dep, exists: names.includes(dep) }).toEqual({ service: name, dependsOn: dep, exists: true });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_healthy') {
          expect({ service: dep, hasHealthcheck: !!services[dep].healthcheck?.test && !services[dep].healthcheck?.disable }).toEqual({ service: dep, hasHealthcheck: true });
        }
        if (condition === 'service_completed_successfully') {
          // A one-shot job: one that restarts forever would never "complete".
          expect({ oneShot: dep, restartsForever: ['always', 'unless-stopped'].includes(services[dep].restart ?? '') }).toEqual({ oneShot: dep, restartsForever: false });
        }
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (n: string, trail: string[]): void => {
      if (done.has(n)) return;
      if (visiting.has(n)) throw new Error(`depends_on cycle: ${[...trail, n].join(' -> ')}`);
      visiting.add(n);
      for (const dep of Object.keys(dependencies(services[n]))) visit(dep, [...trail, n]);
      visiting.delete(n);
      done.add(n);
    };
    for (const n of names) visit(n, []);
  });

  it('checks each worker is healthy through /healthz on the metrics port it sets', () => {
    for (const worker of workers) {
      const test = services[worker].healthcheck?.test;
      const command = Array.isArray(test) ? test.join(' ') : (test ?? '');
      expect({ worker, checksHealthz: command.includes('/healthz') && command.includes('STEWARD_WORKER_METRICS_PORT') }).toEqual({ worker, checksHealthz: true });
      expect({ worker, port: env(services[worker]).STEWARD_WORKER_METRICS_PORT }).toEqual({ worker, port: expect.stringMatching(/^\d+$/) });
    }
  });

  it('builds the image on Node 24, an LTS release', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(/^ARG NODE_IMAGE=node:(\d+)\./m.exec(dockerfile)?.[1]).toBe('24');
  });

  it('starts things in order: schema and search attributes before the API and workers', () => {
    expect(dependencies(services[schemaJob!])).toMatchObject({ postgres: 'service_healthy' });
    expect(dependencies(services.temporal)).toMatchObject({ postgres: 'service_healthy', [schemaJob!]: 'service_completed_successfully' });
    expect(dependencies(services[setupJob!])).toMatchObject({ temporal: 'service_healthy' });
    expect(dependencies(services.migrate)).toMatchObject({ postgres: 'service_healthy' });
    for (const app of ['api', ...workers]) {
      expect({ app, deps: dependencies(services[app]) }).toMatchObject({
        app,
        deps: { migrate: 'service_completed_successfully', [setupJob!]: 'service_completed_successfully' },
      });
    }
    expect(services.api.healthcheck?.test).toBeDefined();
  });

  it('backs the Temporal server with the postgres service, with the version and settings of scripts/temporal-cluster.ts', () => {
    const t = env(services.temporal);
    expect(t.DB).toBe(CLUSTER_PERSISTENCE.plugin);
    expect(t.POSTGRES_SEEDS).toBe('postgres');
    expect(t.DB_PORT).toBe('5432');
    expect(t.NUM_HISTORY_SHARDS).toBe(String(CLUSTER_PERSISTENCE.historyShards));
    expect(CLUSTER_SERVER_VERSION).toMatch(/^1\.29\.\d+$/);
    expect(services.temporal.image).toBe(`temporalio/server:${CLUSTER_SERVER_VERSION}`);
    for (const job of adminTools) expect({ job, image: services[job].image }).toEqual({ job, image: expect.stringMatching(new RegExp(`^temporalio/admin-tools:${CLUSTER_SERVER_VERSION!.replace(/\./g, '\\.')}-`)) });
    const pg = env(services.postgres);
    expect(t.POSTGRES_USER).toBe(pg.POSTGRES_USER);
    expect(rawEnv(services.temporal).POSTGRES_PWD).toBe(rawEnv(services.postgres).POSTGRES_PASSWORD);
  });

  it('sets up both Temporal schemas with temporal-sql-tool before the server starts: create the database, set up, update', () => {
    const job = env(services[schemaJob!]);
    const t = env(services.temporal);
    expect(job).toMatchObject({ SQL_PLUGIN: t.DB, SQL_HOST: t.POSTGRES_SEEDS, SQL_PORT: t.DB_PORT, SQL_USER: t.POSTGRES_USER });
    expect(rawEnv(services[schemaJob!]).SQL_PASSWORD).toBe(rawEnv(services.temporal).POSTGRES_PWD);
    const steps = commandText(services[schemaJob!])
      .split('\n')
      .map((line) => /^\s*temporal-sql-tool --db (\S+) (\S+)(.*)$/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map(([, db, command, rest]) => `${db} ${command}${rest!.replace(/\s*\|\|.*$/, '')}`);
    const stores = [
      { db: t.DBNAME, schema: CLUSTER_PERSISTENCE.schemas.default },
      { db: t.VISIBILITY_DBNAME, schema: CLUSTER_PERSISTENCE.schemas.visibility },
    ];
    expect(steps).toEqual(stores.flatMap(({ db, schema }) => [`${db} create-database`, `${db} setup-schema --version 0.0`, `${db} update-schema --schema-name ${schema}`]));
  });

  it("registers Steward's namespace before its search attributes", () => {
    const script = commandText(services[setupJob!]);
    const create = script.search(/temporal operator namespace create --namespace "\$\$TEMPORAL_NAMESPACE" --retention "\$\$TEMPORAL_NAMESPACE_RETENTION"/);
    expect(create).toBeGreaterThanOrEqual(0);
    expect(create).toBeLessThan(script.indexOf('search-attribute create'));
    expect(env(services[setupJob!]).TEMPORAL_NAMESPACE_RETENTION).toMatch(/^\d+h$/);
  });

  it('registers every Steward search attribute, as Keyword, on Steward\'s namespace', () => {
    expect(STEWARD_SEARCH_ATTRIBUTE_NAMES.length).toBeGreaterThan(0);
    const script = commandText(services[setupJob!]);
    const created = [...script.matchAll(/temporal operator search-attribute create\b([^\n]*)/g)].map((m) => m[1]);
    const registered = new Map<string, string>();
    for (const args of created) {
      const name = /--name\s+"?([A-Za-z0-9_]+)"?/.exec(args)?.[1];
      const type = /--type\s+"?([A-Za-z]+)"?/.exec(args)?.[1];
      expect(args).toMatch(/--namespace\s+"?\$\$\{?TEMPORAL_NAMESPACE\}?"?/);
      if (name && type) registered.set(name, type);
    }
    for (const name of STEWARD_SEARCH_ATTRIBUTE_NAMES) {
      expect({ name, type: registered.get(name) }).toEqual({ name, type: 'Keyword' });
    }
    // Nothing stale: the job registers exactly the list the code uses.
    expect([...registered.keys()].sort()).toEqual([...STEWARD_SEARCH_ATTRIBUTE_NAMES].sort());
    // It waits for the server (and namespace) before creating anything.
    expect(script).toMatch(/until temporal operator/);
    const e = env(services[setupJob!]);
    expect(e.TEMPORAL_ADDRESS).toBe(env(services.api).TEMPORAL_ADDRESS);
    expect(e.TEMPORAL_NAMESPACE).toBe(env(services.api).TEMPORAL_NAMESPACE);
  });

  it('gives the API, workers and migration DATABASE_URL, STEWARD_MASTER_KEY and TEMPORAL_ADDRESS', () => {
    const pg = env(services.postgres);
    for (const app of stewardApps) {
      const e = env(services[app]);
      for (const key of ['DATABASE_URL', 'STEWARD_MASTER_KEY', 'TEMPORAL_ADDRESS']) {
        expect({ app, key, set: !!e[key] }).toEqual({ app, key, set: true });
      }
      const db = new URL(e.DATABASE_URL);
      expect(db.protocol).toMatch(/^postgres(ql)?:$/);
      expect({ app, host: db.hostname }).toEqual({ app, host: 'postgres' });
      expect(decodeURIComponent(db.username)).toBe(pg.POSTGRES_USER);
      expect(decodeURIComponent(db.password)).toBe(pg.POSTGRES_PASSWORD);
      expect(db.pathname).toBe(`/${pg.POSTGRES_DB}`);
      const temporal = hostPort(e.TEMPORAL_ADDRESS);
      expect({ app, temporal }).toEqual({ app, temporal: { host: 'temporal', port: '7233' } });
    }
    const migrate = env(services.migrate);
    expect(migrate.STEWARD_ADMIN_USERNAME).toBeTruthy();
    expect(migrate.STEWARD_ADMIN_PASSWORD).toBeTruthy();
  });

  it('gives each worker its own STEWARD_NODE, including the local node', () => {
    const nodes = workers.map((w) => env(services[w]).STEWARD_NODE);
    for (const [i, node] of nodes.entries()) {
      expect({ worker: workers[i], node }).toEqual({ worker: workers[i], node: expect.stringMatching(/^[a-z0-9][a-z0-9_-]*$/) });
    }
    expect(new Set(nodes).size).toBe(nodes.length);
    expect(env(services.worker).STEWARD_NODE).toBe('local');
    expect(env(services['worker-edge']).STEWARD_NODE).toBe('edge');
  });

  it("points the UI's codec endpoint at the API's /codec as browsers reach it", () => {
    const u = env(services[ui!]);
    const api = env(services.api);
    expect(u.TEMPORAL_ADDRESS).toBe(api.TEMPORAL_ADDRESS);
    expect(u.TEMPORAL_CODEC_ENDPOINT).toBe(`${api.STEWARD_PUBLIC_URL.replace(/\/$/, '')}/codec`);
    // With the defaults, the browser-facing URL really lands on the API container's port.
    const publicUrl = new URL(api.STEWARD_PUBLIC_URL);
    const apiPort = Number(api.PORT ?? 4000);
    expect(publishedPort(services.api, apiPort)).toBe(Number(publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80)));
    expect(publishedPort(services[ui!], 8080)).toBe(8080);
  });

  it('pins every image to a tag other than latest', () => {
    for (const name of names) {
      const image = services[name].image;
      expect({ service: name, hasImage: !!image }).toEqual({ service: name, hasImage: true });
      const ref = interpolate(image!).split('@')[0];
      const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
      const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
      expect({ service: name, image, tagged: tag !== '' && tag !== 'latest' }).toEqual({ service: name, image, tagged: true });
    }
  });

  it('commits no secret values: master key and passwords come from required variables', () => {
    const requiredVar = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]*\}$/;
    const secretKey = /(PASSWORD|PWD|SECRET|TOKEN|MASTER_KEY|PRIVATE_KEY)$/;
    let checked = 0;
    for (const name of names) {
      for (const [key, value] of Object.entries(rawEnv(services[name]))) {
        if (!secretKey.test(key)) continue;
        checked++;
        expect({ service: name, key, value }).toEqual({ service: name, key, value: expect.stringMatching(requiredVar) });
      }
      const url = rawEnv(services[name]).DATABASE_URL;
      if (url !== undefined) {
        const password = /^[a-z]+:\/\/(?:\$\{[^}]*\}|[^:@/$]*):(.*)@[^@]*$/.exec(url)?.[1];
        expect({ service: name, password }).toEqual({ service: name, password: expect.stringMatching(requiredVar) });
      }
    }
    expect(checked).toBeGreaterThanOrEqual(stewardApps.length + 3);
    // Nothing that looks like a literal base64 key or a private key anywhere in the file.
    expect(raw).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/);
    expect(raw).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  });

  it('keeps data in named volumes', () => {
    const volumes = (services.postgres as { volumes?: string[] }).volumes ?? [];
    const data = volumes.map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(data).toBeDefined();
    const volumeName = data!.split(':')[0];
    expect(volumeName).not.toMatch(/^[./~]/);
    expect(Object.keys(compose.volumes ?? {})).toContain(volumeName);
  });

  const composeRunnable = (() => {
    const ok = (args: string[]): boolean => {
      const r = spawnSync('docker', args, { stdio: 'ignore', timeout: 20000 });
      return !r.error && r.status === 0;
    };
    return ok(['compose', 'version']) && ok(['info']);
  })();
  const itIfCompose = composeRunnable ? it : it.skip;
  itIfCompose(
    composeRunnable
      ? 'is accepted by `docker compose config -q`'
      : 'is accepted by `docker compose config -q` — SKIPPED: no runnable Docker (`docker compose version` or `docker info` failed)',
    () => {
      const r = spawnSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '-q'], {
        cwd: ROOT,
        env: { ...process.env, ...DUMMY_ENV },
        encoding: 'utf8',
        timeout: 60000,
      });
      if (r.error || r.status !== 0) {
        throw new Error(`docker compose config failed (status ${r.status}): ${r.error?.message ?? r.stderr}`);
      }
    },
  );
});
