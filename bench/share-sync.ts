/**
 * Benchmark of the Share Client Tasks server task (services/federation/share-sync-service.ts):
 * 10,000 shared client tasks, the first sync to a peer, then an incremental sync after 10 of them
 * changed.
 *
 * Two scratch databases stand for two servers: the origin, whose shared tasks are written straight
 * with SQL, and a target whose API runs in this process on loopback and receives the signed
 * bundles over HTTP, as a peer would. Neither needs Temporal: the origin's sync for one peer is
 * called as its activity calls it. It prints both times, the bytes and bundles sent, and the
 * ratio incremental/first of both, measured in the same run. No assertions on timing.
 *
 *   npm run bench:share-sync [-- --tasks 10000 --changes 10]
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { startApiServer } from '../api/http-server';
import { openDatabase } from '../db/database';
import { RegisteredServer } from '../db/entities';
import { DEFAULT_ACCOUNT_POLICY, DEFAULT_DATABASE_URL } from '../infra/config';
import { createServices } from '../services';
import type { ServerIdentitySettings } from '../services/federation/server-identity';
import { lazyTemporalClient } from '../temporal/connection';
import { temporalPorts } from '../temporal/ports';
import { createMigratedDatabase, dropDatabase } from '../test/harness/databases';

function setting(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number of at least 1`);
  return value;
}

const TASKS = setting('tasks', 10_000);
const CHANGES = setting('changes', 10);

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const count = (n: number) => n.toLocaleString('en-US');

function scratchDatabase(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/steward_bench_share_${name}`;
  return url.toString();
}

/** A server's services; Temporal is never reached (the client connects on first use, and nothing here uses it). */
function servicesOf(orm: MikroORM, masterKey: Buffer, identity: ServerIdentitySettings) {
  const client = lazyTemporalClient({ address: '127.0.0.1:7233', namespace: 'default', masterKey });
  const ports = temporalPorts(client, masterKey, undefined, identity);
  return { ports, services: () => createServices(orm.em.fork(), ports) };
}

/** TASKS shared Agent Statistics tasks, each with its own paths, in one statement. */
async function insertSharedTasks(orm: MikroORM): Promise<void> {
  await orm.em.fork().execute(
    `insert into client_tasks (id, task_type_id, name, settings, enabled, approved_revision, shared)
     select gen_random_uuid(), t.id, 'bench-' || n, jsonb_build_object('paths', jsonb_build_array('/var/log/app-' || n, '/srv/data-' || n)), n % 2 = 0, 1, true
     from generate_series(1, ?) n, client_task_types t join products p on p.id = t.product_id where p.name = 'Agent' and t.name = 'Statistics'`,
    [TASKS],
  );
}

async function main(): Promise<void> {
  const originUrl = scratchDatabase('origin');
  const targetUrl = scratchDatabase('target');
  const masterKey = randomBytes(32);
  await Promise.all([createMigratedDatabase(originUrl), createMigratedDatabase(targetUrl)]);
  const originOrm = await openDatabase(originUrl);
  const targetOrm = await openDatabase(targetUrl);
  const targetIdentity = { name: 'bench-target', url: '' };
  const target = servicesOf(targetOrm, masterKey, targetIdentity);
  const api = await startApiServer({
    orm: targetOrm,
    ports: target.ports,
    port: 0,
    masterKey,
    codecOrigins: [],
    publicUrl: 'http://127.0.0.1',
    introspection: false,
    accounts: DEFAULT_ACCOUNT_POLICY,
    trustProxy: false,
    checkTemporal: async () => undefined,
  });
  targetIdentity.url = api.url;
  try {
    const origin = servicesOf(originOrm, masterKey, { name: 'bench-origin', url: 'http://127.0.0.1:1/graphql' });
    const originIdentity = await origin.services().serverIdentity.current();
    const targetKey = await target.services().serverIdentity.current();
    const registerOn = async (orm: MikroORM, peer: { name: string; url: string; publicKey: string }) => {
      const em = orm.em.fork();
      const registered = em.create(RegisteredServer, { name: peer.name, graphqlUrl: peer.url, publicKey: peer.publicKey });
      await em.flush();
      return registered.id;
    };
    await registerOn(targetOrm, originIdentity);
    const peerId = await registerOn(originOrm, targetKey);

    const started = Date.now();
    await insertSharedTasks(originOrm);
    console.log(`${count(TASKS)} shared client tasks written in ${seconds(Date.now() - started)}`);

    const sync = async (label: string) => {
      const sharing = origin.services().shareSync;
      const { runId } = await sharing.startRun(`bench-${label}`);
      const began = Date.now();
      const figures = await sharing.syncPeer(runId, peerId);
      const ms = Date.now() - began;
      await sharing.finishRun(runId);
      console.log(
        `${label.padEnd(11)} ${seconds(ms).padStart(9)}  sent ${count(figures.sent).padStart(6)} objects in ${figures.bundles} bundle(s), ${count(figures.bytes).padStart(10)} bytes; created ${count(figures.created)}, updated ${count(figures.updated)}, refused ${figures.refused.length}`,
      );
      return { ms, ...figures };
    };

    const first = await sync('first');
    await originOrm.em.fork().execute(
      `update client_tasks set settings = jsonb_build_object('paths', jsonb_build_array('/changed')), approved_revision = approved_revision + 1
       where id in (select id from client_tasks where shared order by id limit ?)`,
      [CHANGES],
    );
    const incremental = await sync('incremental');
    const idle = await sync('unchanged');

    const [held] = await targetOrm.em.fork().execute<{ received: string; changed: string }[]>(
      `select count(*) as received, count(*) filter (where origin_revision = 2) as changed from client_tasks where origin_id is not null`,
    );
    if (Number(held!.received) !== TASKS || Number(held!.changed) !== CHANGES) throw new Error(`the target holds ${held!.received} received tasks, ${held!.changed} changed; expected ${TASKS} and ${CHANGES}`);
    if (incremental.sent !== CHANGES || idle.sent !== 0) throw new Error(`the incremental sync sent ${incremental.sent} objects, the unchanged one ${idle.sent}`);

    console.log(`\nincremental/first: time ${(incremental.ms / first.ms).toFixed(4)} (${seconds(incremental.ms)} / ${seconds(first.ms)}), bytes ${(incremental.bytes / first.bytes).toFixed(5)} (${count(incremental.bytes)} / ${count(first.bytes)})`);
    console.log(`the target holds all ${count(TASKS)} tasks, ${CHANGES} of them at revision 2`);
  } finally {
    await api.close();
    await Promise.all([originOrm.close(), targetOrm.close()]);
    await Promise.all([dropDatabase(originUrl), dropDatabase(targetUrl)]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
