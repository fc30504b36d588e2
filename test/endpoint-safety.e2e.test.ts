import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices } from '../services';
import type { EndpointRunResult } from '../services/client-tasks/endpoint';
import { PermanentFailure } from '../services/shared/permanent-failure';
import { temporalPorts } from '../temporal/ports';
import { createManagedEndpoint, type ManagedEndpoint, sha256, tarballBase64 } from './harness/endpoint-fixtures';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';

/** The EICAR test string, in two halves so this file is not itself a detection. */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR' + '-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * An endpoint user who owns a directory a task works in can plant a symbolic link there, or swap
 * a directory for one, to make the account (often root) read, move or write something elsewhere.
 * The swap between a script's check and its use cannot be timed from a test; what is tested is
 * that a link present when the script acts is refused or not followed. Each link here points into
 * a directory the account itself owns, so a followed link would have worked: only the scripts'
 * refusal keeps the outside files as they were.
 */
describe('endpoint tasks never follow a planted link', () => {
  let stack: StewardStack;
  let token: string;
  let endpoint: ManagedEndpoint;
  const taskTypes = new Map<string, string>();
  const outsides: string[] = [];

  const onHost = (relative: string) => path.join(endpoint.home, relative);
  const run = (taskType: string, settings: Record<string, unknown>): Promise<EndpointRunResult> =>
    createServices(stack.orm.em.fork(), temporalPorts(stack.client, stack.masterKey)).clientEndpoint.run(
      { systemId: endpoint.systemId, clientTaskTypeId: taskTypes.get(taskType)!, settings, runLabel: uniqueName('run') },
      { heartbeat: () => undefined, signal: new AbortController().signal },
    );
  const refusal = (taskType: string, settings: Record<string, unknown>) =>
    run(taskType, settings).then(
      () => {
        throw new Error(`${taskType} was expected to refuse`);
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(PermanentFailure);
        return (error as Error).message;
      },
    );
  /** A directory outside every task's paths, owned by the account, holding a victim file. */
  const outside = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-outside-'));
    outsides.push(dir);
    writeFileSync(path.join(dir, 'victim.txt'), EICAR, { mode: 0o600 });
    endpoint.giveToAccount(dir);
    return dir;
  };
  const untouched = (dir: string) => {
    expect(readdirSync(dir)).toEqual(['victim.txt']);
    expect(readFileSync(path.join(dir, 'victim.txt'), 'utf8')).toBe(EICAR);
    expect(statSync(path.join(dir, 'victim.txt')).mode & 0o777).toBe(0o600);
  };
  const scan = (paths: string[]) => run('Threat Prevention/On-Demand Scan', { paths, include: ['*'] });
  const detectionOf = (result: EndpointRunResult, originalPath: string) => (result.report.detections as any[]).find((detection) => detection.originalPath === originalPath).id as string;

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    token = await stack.signIn(ADMIN_ROLES);
    endpoint = await createManagedEndpoint(stack, token);
    const { data } = await stack.graphql<any>('{ products { name taskTypes { id name } } }', {}, token);
    for (const product of data.products) for (const type of product.taskTypes) taskTypes.set(`${product.name}/${type.name}`, type.id);
  });

  afterAll(async () => {
    for (const dir of outsides) rmSync(dir, { recursive: true, force: true });
    await endpoint?.remove();
    await stack?.stop();
  });

  it('On-Demand Scan neither reads nor moves through a link, puts back a file it cannot safely quarantine, and refuses a root reached through a link', async () => {
    const away = outside();
    const data = onHost('scan-links');
    mkdirSync(path.join(data, 'inside'), { recursive: true });
    writeFileSync(path.join(data, 'inside', 'eicar.txt'), EICAR);
    symlinkSync(path.join(away, 'victim.txt'), path.join(data, 'link.txt'));
    symlinkSync(away, path.join(data, 'linked-dir'));
    // A second name for a detected file: moving one name would not remove it, and the chmod of the quarantine would reach the other.
    writeFileSync(path.join(data, 'twice.txt'), EICAR);
    linkSync(path.join(data, 'twice.txt'), path.join(data, 'twice-again.txt'));
    endpoint.giveToAccount(data);

    const result = await scan([data]);
    expect(result.report).toMatchObject({ filesScanned: 3, unreadable: 0, notQuarantined: 2 });
    expect((result.report.detections as any[]).map((detection) => detection.originalPath)).toEqual([path.join(data, 'inside', 'eicar.txt')]);
    expect(existsSync(path.join(data, 'inside', 'eicar.txt'))).toBe(false);
    expect(readFileSync(path.join(data, 'twice.txt'), 'utf8')).toBe(EICAR);
    expect(statSync(path.join(data, 'twice-again.txt')).nlink).toBe(2);
    expect(statSync(path.join(data, 'twice.txt')).mode & 0o777).toBe(0o644);
    expect(readlinkSync(path.join(data, 'link.txt'))).toBe(path.join(away, 'victim.txt'));
    untouched(away);

    mkdirSync(path.join(away, 'sub'));
    for (const root of [path.join(data, 'linked-dir'), path.join(data, 'linked-dir', 'sub')]) {
      expect(await refusal('Threat Prevention/On-Demand Scan', { paths: [root], include: ['*'] })).toMatch(/refusing to scan .*linked-dir is a symbolic link/);
    }
    rmSync(path.join(away, 'sub'), { recursive: true });
    untouched(away);
  });

  it('Restore from Quarantine creates nothing through a linked directory, refuses quarantined data that became a link, and replaces a link at the original name instead of writing through it', async () => {
    const away = outside();
    const data = onHost('restore-links');
    mkdirSync(path.join(data, 'sub'), { recursive: true });
    writeFileSync(path.join(data, 'sub', 'a.txt'), EICAR);
    writeFileSync(path.join(data, 'b.txt'), EICAR, { mode: 0o640 });
    endpoint.giveToAccount(data);
    const scanned = await scan([data]);
    const [a, b] = [detectionOf(scanned, path.join(data, 'sub', 'a.txt')), detectionOf(scanned, path.join(data, 'b.txt'))];

    // a.txt's directory is now a link out: restoring would put it (and create its directory) there.
    rmSync(path.join(data, 'sub'), { recursive: true });
    symlinkSync(away, path.join(data, 'sub'));
    expect(await refusal('Threat Prevention/Restore from Quarantine', { items: [a] })).toMatch(/nothing was restored: .*a\.txt\): .*\/sub is a symbolic link or not a directory/);
    untouched(away);

    // The quarantined data itself replaced by a link: restoring would move, and chmod, the file it points to.
    rmSync(path.join(data, 'sub'));
    const item = onHost(`.steward-agent/quarantine/items/${a}`);
    rmSync(path.join(item, 'data'));
    symlinkSync(path.join(away, 'victim.txt'), path.join(item, 'data'));
    expect(await refusal('Threat Prevention/Restore from Quarantine', { items: [a] })).toMatch(/its data is not a regular file/);
    expect(existsSync(path.join(data, 'sub'))).toBe(false);
    untouched(away);

    // b.txt's name is now a link to the victim: overwrite replaces the link, and the mode goes to the restored file.
    symlinkSync(path.join(away, 'victim.txt'), path.join(data, 'b.txt'));
    const restored = await run('Threat Prevention/Restore from Quarantine', { items: [b], overwrite: true });
    expect(restored.report.restored).toMatchObject([{ id: b }]);
    expect(lstatSync(path.join(data, 'b.txt')).isFile()).toBe(true);
    expect(readFileSync(path.join(data, 'b.txt'), 'utf8')).toBe(EICAR);
    expect(statSync(path.join(data, 'b.txt')).mode & 0o777).toBe(0o640);
    untouched(away);
  });

  it('Mirror Repositories refuses a target reached through a link or open to others, and replaces links in the mirror instead of writing through them', async () => {
    const away = outside();
    const product = uniqueName('Mirrored');
    const checkedIn = await stack.graphql<any>(
      'mutation ($input: CheckInPackageInput!) { checkInPackage(input: $input) { package { sha256 } } }',
      { input: { product, version: '1.0.0', tarballBase64: tarballBase64({ README: 'mirrored' }), installScript: 'true' } },
      token,
    );
    const name = `${product}-1.0.0.tar.gz`;

    const linked = onHost('mirror-link');
    symlinkSync(away, linked);
    for (const targetPath of [linked, path.join(linked, 'deeper')]) {
      expect(await refusal('Agent/Mirror Repositories', { targetPath, packages: [product] })).toMatch(/refusing .*mirror-link is a symbolic link/);
    }
    untouched(away);

    const target = onHost('mirror-safe');
    mkdirSync(target);
    endpoint.giveToAccount(target);
    chmodSync(target, 0o777);
    expect(await refusal('Agent/Mirror Repositories', { targetPath: target, packages: [product] })).toMatch(/refusing .*mirror-safe: others than this account/);
    chmodSync(target, 0o755);

    symlinkSync(path.join(away, 'victim.txt'), path.join(target, name));
    symlinkSync(path.join(away, 'victim.txt'), path.join(target, 'index.json'));
    const mirrored = await run('Agent/Mirror Repositories', { targetPath: target, packages: [product] });
    expect(mirrored.report).toMatchObject({ copied: [name], unchanged: [] });
    expect(lstatSync(path.join(target, name)).isFile()).toBe(true);
    expect(sha256(readFileSync(path.join(target, name)))).toBe(checkedIn.data.checkInPackage.package.sha256);
    expect(lstatSync(path.join(target, 'index.json')).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(path.join(target, 'index.json'), 'utf8')).packages).toMatchObject([{ product, file: name }]);
    untouched(away);
  });

  it('Product Deployment refuses an install root reached through a link', async () => {
    const away = outside();
    const product = uniqueName('Deployed');
    await stack.graphql(
      'mutation ($input: CheckInPackageInput!) { checkInPackage(input: $input) { package { id } } }',
      { input: { product, version: '1.0.0', tarballBase64: tarballBase64({ README: 'x' }), installScript: 'touch installed' } },
      token,
    );
    const linked = onHost('opt-link');
    symlinkSync(away, linked);
    expect(await refusal('Agent/Product Deployment', { action: 'install', product, installRoot: linked })).toMatch(/refusing .*opt-link is a symbolic link/);
    untouched(away);
  });

  it('refuses every built-in task while others may change the agent directory', async () => {
    const home = statSync(endpoint.home).mode & 0o7777;
    chmodSync(endpoint.home, 0o777);
    try {
      expect(await refusal('Agent/Wakeup', {})).toMatch(/refusing to run: .* may be changed by others/);
    } finally {
      chmodSync(endpoint.home, home);
    }
    await expect(run('Agent/Wakeup', {})).resolves.toBeTruthy();
  });
});
