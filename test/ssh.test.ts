/**
 * lib/ssh.ts against a real Debian OpenSSH server and real Linux accounts (no mocks).
 * Starts its own sshd, so it needs no global setup; needs root and openssh-server.
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { randomInt } from 'crypto';
import net from 'net';
import {
  HostKeyMismatchError,
  SshAuthenticationError,
  SshConnectionError,
  canLogin,
  readHostKeyFingerprint,
  withSshSession,
  type SshTarget,
} from '../infra/ssh';
import { execStoppable } from '../infra/stoppable-exec';
import { processIsGone } from './harness/endpoint-fixtures';
import { homeOf } from './harness/host-shell';
import { createTestUser, readSshdLog, startSshd, type SshdHandle } from './harness/sshd';

jest.setTimeout(60_000);

/** 20 characters with every class present, so PAM's quality checks accept it as a new password. */
function strongPassword(): string {
  const classes = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', `!@#%^*-_+=:'"$ `];
  const chars = classes.map((c) => c[randomInt(c.length)]);
  const all = classes.join('');
  while (chars.length < 20) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** sshd writes its log asynchronously to our reads; wait until `predicate` holds or give up. */
async function logAfter(sshd: SshdHandle, offset: number, predicate: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 3_000;
  let text = readSshdLog(sshd).slice(offset);
  while (!predicate(text) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    text = readSshdLog(sshd).slice(offset);
  }
  return text;
}

describe('lib/ssh against a real sshd', () => {
  let sshd: SshdHandle;
  const users: { username: string; remove(): Promise<void> }[] = [];
  let target: SshTarget;

  beforeAll(async () => {
    sshd = await startSshd();
    const password = strongPassword();
    const user = await createTestUser(password);
    users.push(user);
    target = { host: sshd.host, port: sshd.port, username: user.username, password, hostKeyFingerprint: sshd.hostKeyFingerprint };
  });

  afterAll(async () => {
    for (const user of users) await user.remove();
    await sshd?.stop();
  });

  it('computes the fingerprint exactly as ssh-keygen -lf prints it', () => {
    const printed = execFileSync('ssh-keygen', ['-lf', `${sshd.dir}/ssh_host_ed25519_key.pub`], { encoding: 'utf8' });
    expect(printed.split(/\s+/)[1]).toBe(sshd.hostKeyFingerprint);
    expect(sshd.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('runs a command as the user when the pinned host key matches', async () => {
    const result = await withSshSession(target, (s) => s.exec('id -un'));
    expect(result).toEqual({ exitCode: 0, stdout: `${target.username}\n`, stderr: '' });
  });

  it('reports exit codes, stderr, stdin and progress within one session', async () => {
    let progress = 0;
    await withSshSession(target, async (s) => {
      expect(await s.exec('echo oops >&2; exit 3')).toEqual({ exitCode: 3, stdout: '', stderr: 'oops\n' });
      const echoed = await s.exec('cat', { stdin: 'line one\nline two\n', onProgress: () => progress++ });
      expect(echoed).toEqual({ exitCode: 0, stdout: 'line one\nline two\n', stderr: '' });
    });
    expect(progress).toBeGreaterThan(0);
  });

  it('learns the host key without credentials', async () => {
    const offset = readSshdLog(sshd).length;
    expect(await readHostKeyFingerprint(sshd.host, sshd.port)).toBe(sshd.hostKeyFingerprint);
    const log = await logAfter(sshd, offset, (t) => /Disconnected from .*\[preauth\]/.test(t));
    expect(log).toMatch(/Disconnected from .*\[preauth\]/);
    expect(log).not.toMatch(/password for/);
  });

  it('refuses a changed host key before sending the password', async () => {
    const trusted = 'SHA256:' + 'A'.repeat(43);
    const offset = readSshdLog(sshd).length;
    const err = await withSshSession({ ...target, hostKeyFingerprint: trusted }, (s) => s.exec('true')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    const mismatch = err as HostKeyMismatchError;
    expect(mismatch.expected).toBe(trusted);
    expect(mismatch.actual).toBe(sshd.hostKeyFingerprint);
    expect(mismatch.message).toBe(
      `host key for ${sshd.host}:${sshd.port} is ${sshd.hostKeyFingerprint}, but the record trusts ${trusted}; refusing to connect`,
    );
    expect(mismatch.message).not.toContain(target.password);

    // The server saw the connection, but no password attempt for the user: none was sent.
    // The client hangs up during key exchange (reason 3, KEY_EXCHANGE_FAILED), before userauth.
    const log = await logAfter(sshd, offset, (t) => /Disconnected from .*\[preauth\]/.test(t));
    expect(log).toMatch(/Connection from 127\.0\.0\.1/);
    expect(log).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:3: .*\[preauth\]/);
    expect(log).not.toMatch(new RegExp(`(Failed|Accepted) password for ${target.username}`));
    expect(log).not.toContain(target.username);

    // canLogin must not turn a refused key into "wrong password".
    await expect(canLogin({ ...target, hostKeyFingerprint: trusted })).rejects.toBeInstanceOf(HostKeyMismatchError);
  });

  it('reports a wrong password as an authentication error, without the password', async () => {
    const wrong = strongPassword();
    const offset = readSshdLog(sshd).length;
    const err = await withSshSession({ ...target, password: wrong }, (s) => s.exec('true')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshAuthenticationError);
    expect((err as Error).message).not.toContain(wrong);
    // The log does record password attempts, so the absence above means something.
    const log = await logAfter(sshd, offset, (t) => t.includes('Failed password'));
    expect(log).toMatch(new RegExp(`Failed password for ${target.username}`));
    expect(await canLogin({ ...target, password: wrong })).toBe(false);
    expect(await canLogin(target)).toBe(true);
  });

  it('delivers stdin: the user changes their own password with passwd, no pty', async () => {
    const oldPassword = strongPassword();
    const newPassword = strongPassword();
    const user = await createTestUser(oldPassword);
    users.push(user);
    const account: SshTarget = { ...target, username: user.username, password: oldPassword };

    const result = await withSshSession(account, (s) => s.exec('passwd', { stdin: `${oldPassword}\n${newPassword}\n${newPassword}\n` }));
    expect(result.exitCode).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/password updated successfully/);
    expect(result.stdout + result.stderr).not.toContain(newPassword);

    expect(await canLogin({ ...account, password: newPassword })).toBe(true);
    expect(await canLogin({ ...account, password: oldPassword })).toBe(false);
  });

  it('delivers env values literally, never as shell syntax', async () => {
    const hostile = `; rm -rf ~ $(id) 'quoted' "double" \`uname\` \\ $HOME\nsecond line`;
    await withSshSession(target, async (s) => {
      const result = await s.exec(`printf %s "$NAME"; printf '|%s|' "$OTHER"; ls -A ~ | wc -l`, {
        env: { NAME: hostile, OTHER: '' },
      });
      expect(result.stderr).toBe('');
      expect(result.exitCode).toBe(0);
      const [name, other, homeEntries] = result.stdout.split('|');
      expect(name).toBe(hostile);
      expect(other).toBe('');
      expect(Number(homeEntries)).toBeGreaterThan(0); // the home directory is intact
      await expect(s.exec('true', { env: { 'BAD-NAME': 'x' } })).rejects.toThrow(/invalid environment variable name/);
      await expect(s.exec('true', { env: { 'X;id': 'x' } })).rejects.toThrow(/invalid environment variable name/);
    });
  });

  it('leaves a command running when its connection dies, and a retry marked as such stops it first', async () => {
    const runLabel = `retried-${randomInt(1_000_000)}`;
    const pidFile = `${homeOf(target.username)}/first-attempt`;
    const notedPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || null : null);
    const noSignal = new AbortController().signal;
    // The first attempt's worker "dies": its connection closes while the command runs, and nobody stops it.
    await withSshSession(target, async (s) => {
      void execStoppable(s, 'echo $$ > "$HOME/first-attempt"; sleep 600', {}, { signal: noSignal, runLabel }).catch(() => undefined);
      while (!notedPid()) await new Promise((resolve) => setTimeout(resolve, 50));
    });
    const first = notedPid()!;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(processIsGone(first)).toBe(false);
    try {
      // A retry that does not say so runs beside it; one that does stops it before it starts.
      await withSshSession(target, (s) => execStoppable(s, 'true', {}, { signal: noSignal, runLabel: `${runLabel}-other` }));
      expect(processIsGone(first)).toBe(false);
      const retried = await withSshSession(target, (s) => execStoppable(s, 'echo second', {}, { signal: noSignal, runLabel, earlierAttempt: true }));
      expect(retried).toMatchObject({ exitCode: 0, stdout: 'second\n' });
      expect(processIsGone(first)).toBe(true);
    } finally {
      if (!processIsGone(first)) process.kill(first, 'SIGKILL');
    }
  });

  it('reports an unreachable host as a connection error', async () => {
    const port = await closedPort();
    await expect(withSshSession({ ...target, port }, (s) => s.exec('true'))).rejects.toBeInstanceOf(SshConnectionError);
    await expect(canLogin({ ...target, port })).rejects.toBeInstanceOf(SshConnectionError);
    await expect(readHostKeyFingerprint(sshd.host, port)).rejects.toBeInstanceOf(SshConnectionError);
  });

  it('reports a server that never answers the handshake as a connection error', async () => {
    // A TCP listener that accepts and then says nothing: only the ready timeout ends this.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const err = await withSshSession({ ...target, port }, (s) => s.exec('true'), { readyTimeoutMs: 500 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshConnectionError);
      expect((err as Error).message).toMatch(/Timed out/);
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((r) => silent.close(r));
    }
  });
});
