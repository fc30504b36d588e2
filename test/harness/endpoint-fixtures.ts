import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, type HeaderData, Pax } from 'tar';
import type { StewardStack } from './steward';
import { uniqueName } from './steward';
import { testEnvironment } from './test-env';
import { createRotatableRecord } from './vault-fixtures';

/** A real account on the test sshd, a vault record holding its password, and a managed system reached with it. */
export interface ManagedEndpoint {
  systemId: string;
  username: string;
  /** The account's home directory; the test reads the host's state through it. */
  home: string;
  remove(): Promise<void>;
  /** The test runs as root: files it writes under the home must belong to the account before the account's tasks may move them. */
  giveToAccount(filePath: string): void;
}

export async function createManagedEndpoint(stack: StewardStack, token: string, overrides: { hostKeyFingerprint?: string; executionNode?: string; port?: number } = {}): Promise<ManagedEndpoint> {
  const env = testEnvironment();
  const record = await createRotatableRecord(stack, token, { script: 'VERIFY_PASSWORD' });
  const root = await stack.graphql<any>('{ systemTree { id } }', {}, token);
  const created = await stack.graphql<any>(
    'mutation ($input: CreateSystemInput!) { createSystem(input: $input) { system { id } } }',
    {
      input: {
        name: uniqueName('endpoint'),
        groupId: root.data.systemTree[0].id,
        host: env.sshdHost,
        port: overrides.port ?? env.sshdPort,
        credentialRecordId: record.recordId,
        hostKeyFingerprint: overrides.hostKeyFingerprint ?? env.sshdFingerprint,
        executionNode: overrides.executionNode,
      },
    },
    token,
  );
  if (!created.data) throw new Error(JSON.stringify(created.errors));
  const home = execFileSync('getent', ['passwd', record.username], { encoding: 'utf8' }).split(':')[5]!;
  return {
    systemId: created.data.createSystem.system.id,
    username: record.username,
    home,
    remove: record.removeUser,
    giveToAccount: (filePath) => execFileSync('chown', ['-R', `${record.username}:`, filePath]),
  };
}

/** A .tar.gz of the given files (path → content), base64-encoded as checkInPackage takes it. */
export function tarballBase64(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'steward-package-'));
  try {
    const content = path.join(dir, 'content');
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(content, name)), { recursive: true });
      writeFileSync(path.join(content, name), text);
    }
    mkdirSync(content, { recursive: true });
    execFileSync('tar', ['-czf', path.join(dir, 'package.tar.gz'), '-C', content, '.']);
    return readFileSync(path.join(dir, 'package.tar.gz')).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One archive member, however hostile: any type, name or link target. A pax header carries `paxPath`, which tar reads instead of the header's own path. */
export interface CraftedMember extends HeaderData {
  path: string;
  body?: string;
  paxPath?: string;
}

/** A .tar.gz built in memory with node-tar's own header encoder, for archives GNU tar would not make. */
export function craftedTarball(members: CraftedMember[]): Buffer {
  const blocks = members.flatMap(({ body = '', paxPath, ...data }) => {
    const content = Buffer.from(body);
    const header = new Header({ mode: 0o644, uid: 0, gid: 0, mtime: new Date(0), size: content.length, ...data });
    header.encode();
    const extended = paxPath === undefined ? [] : [new Pax({ path: paxPath }).encode()];
    return [...extended, header.block!, content, Buffer.alloc((512 - (content.length % 512)) % 512)];
  });
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The process is gone, or only a zombie waiting for a parent that does not reap it. */
export function processIsGone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}
