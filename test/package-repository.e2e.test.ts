import { gzipSync } from 'node:zlib';
import { type CraftedMember, craftedTarball, sha256, tarballBase64 } from './harness/endpoint-fixtures';
import { ADMIN_ROLES, type StewardStack, startStewardStack, uniqueName } from './harness/steward';

const CHECK_IN = 'mutation ($input: CheckInPackageInput!) { checkInPackage(input: $input) { package { id product version sha256 size installScript createdAt } } }';
const LIST = 'query ($product: String, $first: Int, $after: String) { packages(product: $product, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { product version sha256 size } } } }';

describe('the package repository', () => {
  let stack: StewardStack;
  let adminToken: string;
  let plainUserToken: string;

  const checkIn = (input: Record<string, unknown>, token = adminToken) => stack.graphql<any>(CHECK_IN, { input: { installScript: 'true', ...input } }, token);
  const count = async () => {
    const [row] = await stack.orm.em.fork().getConnection().execute<{ packages: string }[]>('select count(*) as packages from product_packages');
    return row!.packages;
  };

  beforeAll(async () => {
    stack = await startStewardStack({ worker: false });
    adminToken = await stack.signIn(ADMIN_ROLES);
    plainUserToken = await stack.signIn([]);
  });

  afterAll(() => stack?.stop());

  it('checks in a package with its computed checksum, audits it, and lists metadata newest first', async () => {
    const product = uniqueName('Sensor');
    const tarball = tarballBase64({ 'bin/sensor': '#!/bin/sh\necho sensor\n' });
    const result = await checkIn({ product, version: '2.4.1', tarballBase64: tarball, installScript: 'chmod +x bin/sensor' });
    expect(result.errors).toBeUndefined();
    const checkedIn = result.data.checkInPackage.package;
    const bytes = Buffer.from(tarball, 'base64');
    expect(checkedIn).toMatchObject({ product, version: '2.4.1', sha256: sha256(bytes), size: bytes.length, installScript: 'chmod +x bin/sensor' });
    expect((await checkIn({ product, version: '2.10.0', tarballBase64: tarball })).errors).toBeUndefined();

    const listed = await stack.graphql<any>(LIST, { product, first: 1 }, plainUserToken);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.packages.totalCount).toBe(2);
    expect(listed.data.packages.edges.map((edge: any) => edge.node.version)).toEqual(['2.10.0']);
    const next = await stack.graphql<any>(LIST, { product, first: 1, after: listed.data.packages.pageInfo.endCursor }, plainUserToken);
    expect(next.data.packages.edges.map((edge: any) => edge.node.version)).toEqual(['2.4.1']);
    expect(next.data.packages.pageInfo.hasNextPage).toBe(false);

    const [audit] = await stack.orm.em
      .fork()
      .getConnection()
      .execute<{ details: Record<string, unknown> }[]>(`select details from audit_events where action = 'checkInPackage' and target_id = ? and outcome = 'SUCCESS'`, [checkedIn.id]);
    expect(audit!.details).toEqual({ product, version: '2.4.1', sha256: checkedIn.sha256, size: checkedIn.size });
  });

  it('refuses bad input with BAD_USER_INPUT, a duplicate version with CONFLICT, and writes nothing', async () => {
    const product = uniqueName('Agentless');
    const tarball = tarballBase64({ README: 'hello' });
    expect((await checkIn({ product, version: '1.0.0', tarballBase64: tarball })).errors).toBeUndefined();
    const before = await count();
    const refusals: [string, Record<string, unknown>, string][] = [
      ['not base64', { product, version: '1.1.0', tarballBase64: 'not base64!' }, 'BAD_USER_INPUT'],
      ['not gzip', { product, version: '1.1.0', tarballBase64: Buffer.from('plain text, no archive').toString('base64') }, 'BAD_USER_INPUT'],
      ['gzip, not tar', { product, version: '1.1.0', tarballBase64: gzipSync(Buffer.from('x'.repeat(2000))).toString('base64') }, 'BAD_USER_INPUT'],
      ['bad version', { product, version: 'latest', tarballBase64: tarball }, 'BAD_USER_INPUT'],
      ['bad product name', { product: '../etc', version: '1.1.0', tarballBase64: tarball }, 'BAD_USER_INPUT'],
      ['empty install script', { product, version: '1.1.0', tarballBase64: tarball, installScript: '  ' }, 'BAD_USER_INPUT'],
      ['duplicate', { product, version: '1.0.0', tarballBase64: tarball }, 'CONFLICT'],
    ];
    for (const [what, input, code] of refusals) {
      const result = await checkIn(input);
      expect({ what, code: result.errors?.[0]?.extensions?.code }).toEqual({ what, code });
    }
    expect(await count()).toBe(before);
  });

  it('lists every entry before checking a package in, and refuses one that escapes with BAD_USER_INPUT naming the entry', async () => {
    const product = uniqueName('Escaping');
    const before = await count();
    const readme = { path: 'README', type: 'File', body: 'a package' } as const;
    const escaping: [string, CraftedMember][] = [
      ['../evil', { path: '../evil', type: 'File', body: 'x' }],
      ['/etc/x', { path: '/etc/x', type: 'File', body: 'x' }],
      ['shadow', { path: 'shadow', type: 'SymbolicLink', linkpath: '/etc/shadow' }],
      ['copy', { path: 'copy', type: 'Link', linkpath: 'README' }],
      ['null', { path: 'null', type: 'CharacterDevice', devmaj: 1, devmin: 3 }],
    ];
    for (const [entry, member] of escaping) {
      const result = await checkIn({ product, version: '1.0.0', tarballBase64: craftedTarball([readme, member]).toString('base64') });
      expect({ entry, extensions: result.errors?.[0]?.extensions, message: result.errors?.[0]?.message }).toEqual({
        entry,
        extensions: { code: 'BAD_USER_INPUT', field: 'tarballBase64' },
        message: expect.stringContaining(`The package entry ${JSON.stringify(entry)} is refused`),
      });
    }
    expect(await count()).toBe(before);
    expect((await checkIn({ product, version: '1.0.0', tarballBase64: craftedTarball([readme]).toString('base64') })).errors).toBeUndefined();
  });

  it('lets only system administrators check in packages', async () => {
    const before = await count();
    const input = { product: uniqueName('Forbidden'), version: '1.0.0', tarballBase64: tarballBase64({ README: 'x' }) };
    expect((await checkIn(input, plainUserToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await stack.graphql<any>(CHECK_IN, { input: { ...input, installScript: 'true' } })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await stack.graphql<any>(LIST, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await count()).toBe(before);
  });
});
