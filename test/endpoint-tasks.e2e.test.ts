import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedSystem } from '../db/entities';
import { createServices } from '../services';
import type { EndpointRunResult } from '../services/client-tasks/endpoint';
import { PermanentFailure } from '../services/shared/permanent-failure';
import { temporalPorts } from '../temporal/ports';
import { createManagedEndpoint, type ManagedEndpoint, processIsGone, sha256, tarballBase64 } from './harness/endpoint-fixtures';
import { ADMIN_ROLES, eventually, type StewardStack, startStewardStack, uniqueName } from './harness/steward';

/** The EICAR test string, in two halves so this file is not itself a detection. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR' + '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const HOSTILE = `; rm -rf ~ $(touch pwned) 'single' "double" \`id\` & echo ok\nsecond line\n`;

describe('what the client task types do on an endpoint', () => {
  let stack: StewardStack;
  let token: string;
  let endpoint: ManagedEndpoint;
  const taskTypes = new Map<string, string>();

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = await stack.graphql<any>(query, variables, token);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const onHost = (relative: string) => path.join(endpoint.home, relative);
  const run = (taskType: string, settings: Record<string, unknown>, options: { systemId?: string; signal?: AbortSignal; runLabel?: string; heartbeats?: string[] } = {}): Promise<EndpointRunResult> =>
    createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey)).clientEndpoint.run(
      { systemId: options.systemId ?? endpoint.systemId, clientTaskTypeId: taskTypes.get(taskType)!, settings, runLabel: options.runLabel ?? uniqueName('run') },
      { heartbeat: (details) => options.heartbeats?.push(details), signal: options.signal ?? new AbortController().signal },
    );
  const system = () => stack.orm.em.fork().findOneOrFail(ManagedSystem, { id: endpoint.systemId });
  const checkInPackage = async (product: string, version: string, files: Record<string, string>, installScript: string) =>
    (
      await gql('mutation ($input: CheckInPackageInput!) { checkInPackage(input: $input) { package { id sha256 size } } }', {
        input: { product, version, tarballBase64: tarballBase64(files), installScript },
      })
    ).checkInPackage.package;
  const checkInProduct = async (manifest: Record<string, unknown>) => {
    const { checkInProduct: checkedIn } = await gql('mutation ($input: CheckInProductInput!) { checkInProduct(input: $input) { product { name taskTypes { id name } } } }', {
      input: { manifest },
    });
    for (const type of checkedIn.product.taskTypes) taskTypes.set(`${checkedIn.product.name}/${type.name}`, type.id);
  };
  const quarantineManifest = () => JSON.parse(readFileSync(onHost('.steward-agent/quarantine/manifest.json'), 'utf8')).items as any[];

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    endpoint = await createManagedEndpoint(stack, token);
    const { products } = await gql('{ products { name taskTypes { id name } } }');
    for (const product of products) for (const type of product.taskTypes) taskTypes.set(`${product.name}/${type.name}`, type.id);
  });

  afterAll(async () => {
    await endpoint?.remove();
    await stack?.stop();
  });

  it('passes settings as data: a hostile value arrives literally, and the report is parsed', async () => {
    writeFileSync(onHost('canary'), 'still here');
    const product = uniqueName('Echo');
    await checkInProduct({
      name: product,
      version: '1.0.0',
      taskTypes: [
        {
          name: 'Echo',
          settingsSchema: { type: 'object', properties: { note: { type: 'string' }, paths: { type: 'array', items: { type: 'string' } }, maxCount: { type: 'integer' }, dryRun: { type: 'boolean' } } },
          command: [
            'printf "%s" "$STEWARD_NOTE" > "$HOME/note.txt"',
            'encode() { printf "%s" "$1" | base64 -w0; }',
            'printf "STEWARD-REPORT {\\"summary\\":\\"echoed\\",\\"note\\":\\"%s\\",\\"paths\\":\\"%s\\",\\"maxCount\\":\\"%s\\",\\"dryRun\\":\\"%s\\"}\\n" "$(encode "$STEWARD_NOTE")" "$(encode "$STEWARD_PATHS")" "$STEWARD_MAX_COUNT" "$STEWARD_DRY_RUN"',
          ].join('\n'),
        },
      ],
    });
    const result = await run(`${product}/Echo`, { note: HOSTILE, paths: ['/a b', '/c'], maxCount: 5, dryRun: true });
    const decode = (value: unknown) => Buffer.from(String(value), 'base64').toString('utf8');
    expect(result.summary).toBe('echoed');
    expect(decode(result.report.note)).toBe(HOSTILE);
    expect(decode(result.report.paths)).toBe('/a b\n/c');
    expect(result.report).toMatchObject({ maxCount: '5', dryRun: 'true' });
    expect(readFileSync(onHost('note.txt'), 'utf8')).toBe(HOSTILE);
    expect(readFileSync(onHost('canary'), 'utf8')).toBe('still here');
    expect(existsSync(onHost('pwned'))).toBe(false);
  });

  it('fails a checked-in command that exits non-zero or does not report, permanently and with its output', async () => {
    const product = uniqueName('Broken');
    await checkInProduct({
      name: product,
      version: '1.0.0',
      taskTypes: [
        { name: 'Exit', settingsSchema: { type: 'object' }, command: 'echo "about to fail" >&2\nexit 3' },
        { name: 'Silent', settingsSchema: { type: 'object' }, command: 'echo "done, but no report"' },
        { name: 'Garbled', settingsSchema: { type: 'object' }, command: 'echo "STEWARD-REPORT {not json"' },
      ],
    });
    const failure = await run(`${product}/Exit`, {}).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermanentFailure);
    expect((failure as Error).message).toMatch(/exit code 3.*about to fail/);
    expect((failure as PermanentFailure).output).toContain('about to fail');
    await expect(run(`${product}/Silent`, {})).rejects.toThrow(/did not report back/);
    await expect(run(`${product}/Garbled`, {})).rejects.toThrow(/not valid JSON/);
  });

  it('stops the process on the endpoint when the run is aborted', async () => {
    const product = uniqueName('Sleeper');
    await checkInProduct({
      name: product,
      version: '1.0.0',
      taskTypes: [{ name: 'Sleep', settingsSchema: { type: 'object' }, command: 'sleep 300 &\necho $! > "$HOME/sleeper.pid"\nwait' }],
    });
    const abort = new AbortController();
    const runLabel = uniqueName('sleeper');
    const heartbeats: string[] = [];
    const outcome = run(`${product}/Sleep`, {}, { signal: abort.signal, runLabel, heartbeats }).catch((error: unknown) => error);
    const sleeper = await eventually(async () => (existsSync(onHost('sleeper.pid')) ? Number(readFileSync(onHost('sleeper.pid'), 'utf8')) || undefined : undefined), 30_000, 'the sleeper to start');
    const pidFile = onHost(`.steward-agent/run/${runLabel}.pid`);
    const group = Number(readFileSync(pidFile, 'utf8'));
    expect([processIsGone(sleeper), processIsGone(group)]).toEqual([false, false]);
    abort.abort();
    const error = await outcome;
    expect((error as Error).name).toBe('AbortError');
    expect([processIsGone(sleeper), processIsGone(group)]).toEqual([true, true]);
    expect(existsSync(pidFile)).toBe(false);
    expect(heartbeats).toContain('Running Sleep');
  });

  it('Statistics stores uptime, load and disk use of the configured paths on the system', async () => {
    const missing = '/nonexistent; rm -rf ~';
    const result = await run('Agent/Statistics', { paths: [endpoint.home, '/', missing] });
    const { statistics, lastContactAt } = await system();
    expect(statistics).toBeTruthy();
    expect(Math.abs(statistics!.uptimeSeconds - os.uptime())).toBeLessThan(120);
    expect(statistics!.load.one).toBeGreaterThanOrEqual(0);
    const [home, rootDisk, absent] = statistics!.disks;
    expect(home).toMatchObject({ path: endpoint.home });
    expect(home!.totalBytes).toBeGreaterThan(0);
    expect(home!.usedBytes! + home!.availableBytes!).toBeLessThanOrEqual(home!.totalBytes!);
    expect(rootDisk).toMatchObject({ path: '/', mountPoint: '/' });
    expect(absent).toEqual({ path: missing, error: 'does not exist or cannot be read' });
    expect(new Date(statistics!.collectedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(lastContactAt).toBeInstanceOf(Date);
    expect(result.report.disks).toHaveLength(3);

    const queried = await gql('query ($id: ID!) { system(id: $id) { lastContactAt statistics { collectedAt uptimeSeconds load { one five fifteen } disks { path mountPoint totalBytes error } } } }', {
      id: endpoint.systemId,
    });
    expect(queried.system.statistics.disks[2]).toEqual({ path: missing, mountPoint: null, totalBytes: null, error: 'does not exist or cannot be read' });
    expect(queried.system.statistics.collectedAt).toBe(statistics!.collectedAt);
  });

  it('Wakeup refreshes the system properties and last contact', async () => {
    const before = new Date();
    const result = await run('Agent/Wakeup', {});
    const { properties, lastContactAt } = await system();
    const release = /^PRETTY_NAME="?(.*?)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))![1];
    expect(properties).toMatchObject({ hostname: os.hostname(), kernel: os.release(), osFamily: 'linux', osRelease: release, installedProducts: [] });
    expect(Array.isArray(properties!.addresses)).toBe(true);
    expect(lastContactAt!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(result.summary).toContain(os.hostname());
    const queried = await gql('query ($id: ID!) { system(id: $id) { properties { hostname osFamily kernel osRelease addresses installedProducts { product version } } } }', { id: endpoint.systemId });
    expect(queried.system.properties).toMatchObject({ hostname: os.hostname(), osFamily: 'linux', installedProducts: [] });
  });

  it('Mirror Repositories copies chosen packages, then only what changed', async () => {
    const product = uniqueName('Mirrored');
    const first = await checkInPackage(product, '1.0.0', { 'README': 'one' }, 'true');
    const second = await checkInPackage(product, '1.1.0', { 'README': 'two' }, 'true');
    const targetPath = onHost('mirror');
    const settings = { targetPath, packages: [product] };
    const names = [`${product}-1.0.0.tar.gz`, `${product}-1.1.0.tar.gz`];

    expect((await run('Agent/Mirror Repositories', settings)).report).toEqual({ targetPath, copied: names, unchanged: [] });
    expect(sha256(readFileSync(path.join(targetPath, names[0]!)))).toBe(first.sha256);
    expect(sha256(readFileSync(path.join(targetPath, names[1]!)))).toBe(second.sha256);
    const index = JSON.parse(readFileSync(path.join(targetPath, 'index.json'), 'utf8'));
    expect(index.packages).toEqual([
      { product, version: '1.0.0', file: names[0], sha256: first.sha256, size: first.size },
      { product, version: '1.1.0', file: names[1], sha256: second.sha256, size: second.size },
    ]);

    const again = await run('Agent/Mirror Repositories', settings);
    expect(again.report).toEqual({ targetPath, copied: [], unchanged: names });
    expect(again.summary).toContain('0 copied');

    writeFileSync(path.join(targetPath, names[1]!), 'tampered');
    expect((await run('Agent/Mirror Repositories', settings)).report).toMatchObject({ copied: [names[1]], unchanged: [names[0]] });
    expect(sha256(readFileSync(path.join(targetPath, names[1]!)))).toBe(second.sha256);

    await expect(run('Agent/Mirror Repositories', { targetPath, packages: [uniqueName('Unknown')] })).rejects.toThrow(PermanentFailure);
  });

  it('Product Deployment installs a version under the install root, records it, and removes it', async () => {
    const product = uniqueName('Deployed');
    await checkInPackage(product, '1.0.0', { 'bin/tool': 'v1' }, 'printf "%s %s" "$STEWARD_PRODUCT" "$STEWARD_VERSION" > installed.txt\n[ -f bin/tool ]');
    const installRoot = onHost('opt');
    const home = path.join(installRoot, product);

    const installed = await run('Agent/Product Deployment', { action: 'install', product, installRoot });
    expect(installed.report).toMatchObject({ changed: true, version: '1.0.0', installDir: path.join(home, '1.0.0') });
    expect(readlinkSync(path.join(home, 'current'))).toBe('1.0.0');
    expect(readFileSync(path.join(home, 'current', 'installed.txt'), 'utf8')).toBe(`${product} 1.0.0`);
    expect(readFileSync(path.join(home, 'current', 'bin/tool'), 'utf8')).toBe('v1');
    expect(readFileSync(onHost(`.steward-agent/products/${product}/version`), 'utf8')).toBe('1.0.0');
    expect((await system()).properties?.installedProducts).toContainEqual({ product, version: '1.0.0' });

    const repeated = await run('Agent/Product Deployment', { action: 'install', product, version: '1.0.0', installRoot });
    expect(repeated.report.changed).toBe(false);
    expect(repeated.summary).toContain('already installed');

    await expect(run('Agent/Product Deployment', { action: 'remove', product, version: '9.9.9' })).rejects.toThrow(/1\.0\.0 is installed, not 9\.9\.9/);
    expect(existsSync(home)).toBe(true);
    const removed = await run('Agent/Product Deployment', { action: 'remove', product });
    expect(removed.report.removed).toBe('1.0.0');
    expect(existsSync(home)).toBe(false);
    expect(existsSync(onHost(`.steward-agent/products/${product}`))).toBe(false);
    expect((await system()).properties?.installedProducts).not.toContainEqual({ product, version: '1.0.0' });
  });

  it('Product Deployment refuses a package whose checksum does not match and installs nothing', async () => {
    const product = uniqueName('Tampered');
    await checkInPackage(product, '1.0.0', { file: 'original' }, 'true');
    const substitute = Buffer.from(tarballBase64({ file: 'substitute' }), 'base64');
    await stack.orm.em
      .fork()
      .getConnection()
      .execute(`update "product_packages" set "content" = ?, "size" = ? where "product" = ?`, [substitute, substitute.length, product]);
    await expect(run('Agent/Product Deployment', { action: 'install', product })).rejects.toThrow(/checksum mismatch/);
    expect(existsSync(onHost(`.steward-agent/installs/${product}/1.0.0`))).toBe(false);
    expect(existsSync(onHost(`.steward-agent/products/${product}`))).toBe(false);
  });

  it('Product Update is a no-op when current, keeps the previous version when an install fails, and updates to the newest', async () => {
    const product = uniqueName('Updated');
    const home = onHost(`.steward-agent/installs/${product}`);
    await checkInPackage(product, '1.0.0', { VERSION: '1.0.0' }, 'cp VERSION active-version');
    await run('Agent/Product Deployment', { action: 'install', product });
    expect(readlinkSync(path.join(home, 'current'))).toBe('1.0.0');

    const noop = await run('Agent/Product Update', { products: [product] });
    expect(noop.summary).toBe('All installed products are current');
    expect(noop.report).toMatchObject({ updated: [], current: [{ product, version: '1.0.0' }] });

    await checkInPackage(product, '1.1.0', { VERSION: '1.1.0' }, 'echo "refusing to install" >&2\nexit 7');
    const failure = await run('Agent/Product Update', { products: [product] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PermanentFailure);
    expect((failure as Error).message).toMatch(/1\.0\.0 → 1\.1\.0.*exited with code 7; 1\.0\.0 stays active/);
    expect(readlinkSync(path.join(home, 'current'))).toBe('1.0.0');
    expect(readFileSync(path.join(home, 'current', 'active-version'), 'utf8')).toBe('1.0.0');
    expect(existsSync(path.join(home, '1.1.0'))).toBe(false);
    expect(readFileSync(onHost(`.steward-agent/products/${product}/version`), 'utf8')).toBe('1.0.0');
    expect((await system()).properties?.installedProducts).toContainEqual({ product, version: '1.0.0' });

    await checkInPackage(product, '1.2.0', { VERSION: '1.2.0' }, 'cp VERSION active-version');
    const updated = await run('Agent/Product Update', { products: [product] });
    expect(updated.report.updated).toEqual([{ product, from: '1.0.0', to: '1.2.0' }]);
    expect(readlinkSync(path.join(home, 'current'))).toBe('1.2.0');
    expect(readFileSync(path.join(home, 'current', 'active-version'), 'utf8')).toBe('1.2.0');
    expect(existsSync(path.join(home, '1.0.0'))).toBe(false);
    expect((await system()).properties?.installedProducts).toContainEqual({ product, version: '1.2.0' });
  });

  it('On-Demand Scan quarantines the EICAR string and listed hashes under the include globs, minus excludes and oversized files', async () => {
    const data = onHost('scan');
    const write = (relative: string, content: string) => {
      mkdirSync(path.dirname(path.join(data, relative)), { recursive: true });
      writeFileSync(path.join(data, relative), content);
    };
    const blocked = 'known bad content';
    const awkward = `odd 'name' $(x)\nwith a line break.txt`;
    write('eicar.txt', EICAR);
    write('nested/deep/eicar.com', `${EICAR}\n`);
    write(awkward, EICAR);
    write('blocked.bin', blocked);
    write('clean.txt', 'nothing to see');
    write('skip/eicar.txt', EICAR);
    write('big.txt', `${EICAR}${' '.repeat(2000)}`);
    endpoint.giveToAccount(data);
    const result = await run('Threat Prevention/On-Demand Scan', {
      include: [`${data}/**`],
      exclude: ['skip/*'],
      maxFileSizeBytes: 1000,
      sha256Blocklist: [sha256(blocked)],
    });
    expect(result.report).toMatchObject({ filesScanned: 5, unreadable: 0, notQuarantined: 0 });
    const detections = result.report.detections as any[];
    expect(detections.map((detection) => [detection.originalPath, detection.detection]).sort()).toEqual(
      [
        [path.join(data, 'blocked.bin'), 'sha256'],
        [path.join(data, 'eicar.txt'), 'eicar'],
        [path.join(data, 'nested/deep/eicar.com'), 'eicar'],
        [path.join(data, awkward), 'eicar'],
      ].sort(),
    );
    for (const gone of ['eicar.txt', 'nested/deep/eicar.com', awkward, 'blocked.bin']) expect(existsSync(path.join(data, gone))).toBe(false);
    for (const kept of ['clean.txt', 'skip/eicar.txt', 'big.txt']) expect(existsSync(path.join(data, kept))).toBe(true);

    const manifest = quarantineManifest();
    const eicarEntry = manifest.find((item) => item.originalPath === path.join(data, 'eicar.txt'));
    expect(eicarEntry).toMatchObject({ sha256: sha256(EICAR), detection: 'eicar' });
    expect(Date.parse(eicarEntry.quarantinedAt)).toBeGreaterThan(Date.now() - 120_000);
    expect(sha256(readFileSync(onHost(`.steward-agent/quarantine/items/${eicarEntry.id}/data`)))).toBe(sha256(EICAR));
    expect(manifest.find((item) => item.originalPath === path.join(data, 'blocked.bin'))).toMatchObject({ sha256: sha256(blocked), detection: 'sha256' });
  });

  it('Restore from Quarantine puts items back, and refuses without changing anything when the place is taken', async () => {
    const data = onHost('restore');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'a.txt'), EICAR);
    writeFileSync(path.join(data, 'b.txt'), EICAR);
    chmodSync(path.join(data, 'b.txt'), 0o640);
    endpoint.giveToAccount(data);
    const scanned = await run('Threat Prevention/On-Demand Scan', { paths: [data], include: ['*.txt'] });
    const idOf = (name: string) => (scanned.report.detections as any[]).find((detection) => detection.originalPath === path.join(data, name)).id as string;
    const [a, b] = [idOf('a.txt'), idOf('b.txt')];

    writeFileSync(path.join(data, 'a.txt'), 'a new file');
    const refused = await run('Threat Prevention/Restore from Quarantine', { items: [b, a] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PermanentFailure);
    expect((refused as Error).message).toMatch(/nothing was restored: .*a\.txt\): a file is there now/);
    expect(existsSync(path.join(data, 'b.txt'))).toBe(false);
    expect(readFileSync(path.join(data, 'a.txt'), 'utf8')).toBe('a new file');
    expect(quarantineManifest().map((item) => item.id)).toEqual(expect.arrayContaining([a, b]));

    const restored = await run('Threat Prevention/Restore from Quarantine', { items: [b] });
    expect(restored.report.restored).toMatchObject([{ id: b, originalPath: path.join(data, 'b.txt') }]);
    expect(readFileSync(path.join(data, 'b.txt'), 'utf8')).toBe(EICAR);
    expect(statSync(path.join(data, 'b.txt')).mode & 0o777).toBe(0o640);
    expect(quarantineManifest().map((item) => item.id)).not.toContain(b);

    await run('Threat Prevention/Restore from Quarantine', { items: [a], overwrite: true });
    expect(readFileSync(path.join(data, 'a.txt'), 'utf8')).toBe(EICAR);
    expect(existsSync(onHost(`.steward-agent/quarantine/items/${a}`))).toBe(false);
    await expect(run('Threat Prevention/Restore from Quarantine', { items: [a] })).rejects.toThrow(/no such quarantine item/);
  });

  it('refuses a changed host key and an incompatible system permanently', async () => {
    const forged = await createManagedEndpoint(stack, token, { hostKeyFingerprint: `SHA256:${'A'.repeat(43)}` });
    try {
      await expect(run('Agent/Wakeup', {}, { systemId: forged.systemId })).rejects.toThrow(PermanentFailure);
      await expect(run('Agent/Wakeup', {}, { systemId: forged.systemId })).rejects.toThrow(/host key/);
      await stack.orm.em.fork().getConnection().execute(`update "managed_systems" set "properties" = '{"osFamily":"windows"}' where "id" = ?`, [forged.systemId]);
      await expect(run('Agent/Wakeup', {}, { systemId: forged.systemId })).rejects.toThrow(/does not run on windows/);
    } finally {
      await forged.remove();
    }
  });
});
