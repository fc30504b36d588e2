/**
 * A PostgreSQL cluster of one test's own: initdb into a temporary directory, served on a free
 * port, so the test can stop and restart it without touching the server other test files share.
 * It uses the binaries of the installed PostgreSQL server. initdb refuses to run as root, so as
 * root the cluster belongs to, and runs as, the `postgres` account.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);
const SERVER_PACKAGES = '/usr/lib/postgresql';
const CLUSTER_OWNER = 'postgres';

export interface PrivatePostgres {
  port: number;
  /** The server's log, for a failure message. */
  logFile: string;
  /** A URL of a database on this cluster (trust authentication, as the postgres superuser). */
  urlOf(database: string): string;
  start(): Promise<void>;
  /** `fast` ends sessions cleanly; `immediate` is a crash: no shutdown checkpoint, recovery at the next start. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Stops the cluster if it runs and deletes its files. */
  remove(): Promise<void>;
}

/** Where initdb and pg_ctl are: pg_config's answer, else the newest server package's. */
async function postgresBinaries(): Promise<string> {
  try {
    const { stdout } = await run('pg_config', ['--bindir']);
    const bindir = stdout.trim();
    if (existsSync(path.join(bindir, 'initdb'))) return bindir;
  } catch {
    // no pg_config (it comes with the development package): look for the server package
  }
  const versions = existsSync(SERVER_PACKAGES) ? readdirSync(SERVER_PACKAGES).filter((version) => existsSync(path.join(SERVER_PACKAGES, version, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(a) - Number(b)).pop();
  if (!newest) throw new Error(`no PostgreSQL server binaries (initdb) found through pg_config or in ${SERVER_PACKAGES}; install the postgresql package`);
  return path.join(SERVER_PACKAGES, newest, 'bin');
}

/** Creates the cluster and starts it. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bindir = await postgresBinaries();
  const asRoot = process.getuid?.() === 0;
  const asOwner = (program: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', CLUSTER_OWNER, '--', path.join(bindir, program), ...args]) : run(path.join(bindir, program), args);

  const root = mkdtempSync(path.join(os.tmpdir(), 'steward-postgres-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'postgres.log');
  mkdirSync(dataDir, { mode: 0o700 });
  if (asRoot) {
    const { stdout } = await run('id', ['-u', CLUSTER_OWNER]);
    const { stdout: group } = await run('id', ['-g', CLUSTER_OWNER]);
    for (const owned of [root, dataDir]) chownSync(owned, Number(stdout.trim()), Number(group.trim()));
  }
  await asOwner('initdb', ['--pgdata', dataDir, '--username', 'postgres', '--auth', 'trust', '--encoding', 'UTF8', '--no-sync']);

  const port = await freePort();
  // Sockets in its own directory; fsync off: the faults here are process faults, not power cuts.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${root} -c fsync=off`;
  let running = false;
  const cluster: PrivatePostgres = {
    port,
    logFile,
    urlOf: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await asOwner('pg_ctl', ['start', '--pgdata', dataDir, '--log', logFile, '--wait', '--timeout', '60', '-o', serverOptions]);
      running = true;
    },
    async stop(mode) {
      await asOwner('pg_ctl', ['stop', '--pgdata', dataDir, '--mode', mode, '--wait', '--timeout', '60']);
      running = false;
    },
    async remove() {
      if (running) await cluster.stop('immediate');
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
