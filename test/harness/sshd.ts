/**
 * A real Debian OpenSSH server for integration tests: its own host key, config, port and log
 * in a temporary directory, plus real Linux test accounts. Needs root and openssh-server.
 */
import { spawn, execFile, type ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { promisify } from 'util';
import { hostKeyFingerprint } from '../../infra/ssh';
import { freePort } from './ports';

const execFileAsync = promisify(execFile);

const SSHD = '/usr/sbin/sshd';
const BOOTSTRAP_HINT = 'run the bootstrap first: `bash scripts/bootstrap.sh` (it installs openssh-server)';

export interface SshdHandle {
  host: string;
  port: number;
  hostKeyFingerprint: string;
  logFile: string;
  dir: string;
  stop(): Promise<void>;
}

/** The sshd as the test environment names it. */
export function sshdEnvironment(sshd: SshdHandle) {
  return { sshdHost: sshd.host, sshdPort: sshd.port, sshdFingerprint: sshd.hostKeyFingerprint, sshdLogFile: sshd.logFile };
}

function requirePrerequisites(): void {
  for (const bin of [SSHD, '/usr/bin/ssh-keygen', '/usr/sbin/useradd', '/usr/sbin/chpasswd']) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing; ${BOOTSTRAP_HINT}`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error('the sshd test harness must run as root (it starts sshd and creates Linux accounts)');
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readLog(logFile: string): string {
  try {
    return fs.readFileSync(logFile, 'utf8');
  } catch {
    return '';
  }
}

export async function startSshd(): Promise<SshdHandle> {
  requirePrerequisites();
  const host = '127.0.0.1';
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'steward-sshd-'));
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const configFile = path.join(dir, 'sshd_config');
  const logFile = path.join(dir, 'sshd.log');
  let child: ChildProcess | undefined;
  try {
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'steward-test', '-f', hostKey]);
    const blob = (await fs.promises.readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/)[1];
    const fingerprint = hostKeyFingerprint(Buffer.from(blob, 'base64'));
    const port = await freePort();
    await fs.promises.writeFile(
      configFile,
      [
        `ListenAddress ${host}`,
        `Port ${port}`,
        `HostKey ${hostKey}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication no',
        'UsePAM yes',
        // Shadow-account tests log in as a uid-0 test user; this sshd listens on loopback only.
        'PermitRootLogin yes',
        'StrictModes no',
        'UseDNS no',
        'PrintMotd no',
        'LogLevel VERBOSE',
        // Parallel test files open many connections at once; the default (10) would drop some.
        'MaxStartups 100',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // sshd refuses to start without its privilege-separation directory.
    await fs.promises.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await execFileAsync(SSHD, ['-t', '-f', configFile]).catch((err: { stderr?: string }) => {
      throw new Error(`sshd rejected the generated config: ${err.stderr ?? String(err)}`);
    });

    const proc = spawn(SSHD, ['-D', '-f', configFile, '-E', logFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited: string | undefined;
    proc.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
    proc.once('error', (err) => (exited = `could not start: ${err.message}`));

    const deadline = Date.now() + 10_000;
    while (!(await canConnect(host, port))) {
      if (exited) throw new Error(`sshd ${exited}: ${stderr}${readLog(logFile)}`);
      if (Date.now() > deadline) throw new Error(`sshd did not listen on ${host}:${port} within 10s: ${readLog(logFile)}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    return {
      host,
      port,
      hostKeyFingerprint: fingerprint,
      logFile,
      dir,
      async stop() {
        if (proc.exitCode === null && proc.signalCode === null) {
          const gone = new Promise((r) => proc.once('exit', r));
          proc.kill('SIGTERM');
          await gone;
        }
        await fs.promises.rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    await fs.promises.rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs a command with `input` on its stdin, so secrets never appear in argv. */
function runWithStdin(command: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.once('error', reject);
    proc.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`)),
    );
    proc.stdin.end(input);
  });
}

/** Creates a real Linux account with a bash shell and the given password; `superuser` gives it uid 0, like root. */
export async function createTestUser(password: string, options: { superuser?: boolean } = {}): Promise<{ username: string; remove(): Promise<void> }> {
  requirePrerequisites();
  if (/[\n\r]/.test(password)) throw new Error('test password must not contain line breaks (chpasswd reads lines)');
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const username = `stw${Array.from(randomBytes(8), (b) => alphabet[b % alphabet.length]).join('')}`;
  const home = path.join(os.tmpdir(), `steward-home-${username}`);
  await execFileAsync('useradd', ['-m', '-d', home, '-s', '/bin/bash', ...(options.superuser ? ['-o', '-u', '0', '-g', '0'] : []), username]);
  try {
    await runWithStdin('chpasswd', [], `${username}:${password}\n`);
  } catch (err) {
    await execFileAsync('userdel', ['-r', '-f', username]).catch(() => undefined);
    throw err;
  }
  return {
    username,
    async remove() {
      // Ends the account's leftover processes too (-f), so nothing keeps the home busy.
      await execFileAsync('userdel', ['-r', '-f', username]).catch((err: { stderr?: string }) => {
        // Exit 12 means the home could not be removed, e.g. it is already gone; the account is.
        if (!/not found|No such file/.test(err.stderr ?? '')) throw err;
      });
    },
  };
}

export function readSshdLog(handle: SshdHandle): string {
  return readLog(handle.logFile);
}
