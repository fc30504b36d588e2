import type { ClientTaskType, ManagedSystem } from '../../db/entities';
import { compareVersions } from '../../lib/versions';
import { isCompatible } from '../../services/client-tasks/endpoint';
import { PermanentFailure } from '../../services/shared/permanent-failure';
import { scanPlan } from '../../services/client-tasks/endpoint/drivers/scan-plan';
import { environmentName, environmentValue, settingsEnvironment } from '../../services/client-tasks/endpoint/environment';
import { launcherInput } from '../../services/client-tasks/endpoint/remote-commands';
import { splitReport } from '../../services/client-tasks/endpoint/report';

describe('settings as environment variables', () => {
  it('names each setting STEWARD_<UPPER_SNAKE> and refuses two settings that would share a name', () => {
    expect(['maxFileSizeBytes', 'dryRun', 'sha256Blocklist', 'target-path', 'paths'].map(environmentName)).toEqual([
      'MAX_FILE_SIZE_BYTES',
      'DRY_RUN',
      'SHA256_BLOCKLIST',
      'TARGET_PATH',
      'PATHS',
    ]);
    expect(() => settingsEnvironment({ 'a-b': 1, a_b: 2 })).toThrow(PermanentFailure);
    expect(() => settingsEnvironment({ '---': 1 })).toThrow(PermanentFailure);
  });

  it('writes strings as they are, arrays one item per line, everything else as JSON', () => {
    expect([environmentValue('; rm -rf ~'), environmentValue(['/a b', 2, { c: 1 }]), environmentValue(5), environmentValue(true), environmentValue({ a: [1] }), environmentValue(null)]).toEqual([
      '; rm -rf ~',
      '/a b\n2\n{"c":1}',
      '5',
      'true',
      '{"a":[1]}',
      '',
    ]);
  });

  it('feeds the launcher the run label and base64 values, a blank line, then the script', () => {
    const input = launcherInput('job-1', { NOTE: "it's\n$(id)" }, 'echo hi');
    const [header, script] = input.split('\n\n');
    expect(header!.split('\n').map((line) => line.split(' '))).toEqual([
      ['RUN_LABEL', Buffer.from('job-1').toString('base64')],
      ['NOTE', Buffer.from("it's\n$(id)").toString('base64')],
    ]);
    expect(script).toBe('echo hi\n');
    expect(() => launcherInput('job-1', { NOTE: 'a\0b' }, 'true')).toThrow(/NUL/);
    expect(() => launcherInput('job-1', { 'lower case': 'x' }, 'true')).toThrow(PermanentFailure);
    expect(() => launcherInput('job-1', { RUN_LABEL: 'other' }, 'true')).toThrow(PermanentFailure);
  });
});

describe('the endpoint report', () => {
  it('is the last non-empty line of stdout', () => {
    expect(splitReport('working\nSTEWARD-REPORT {"a":1}\n\n')).toEqual({ text: 'working', report: { a: 1 }, problem: null });
  });

  it('is missing, malformed or not an object otherwise', () => {
    expect(splitReport('STEWARD-REPORT {"a":1}\nmore output').problem).toMatch(/last line/);
    expect(splitReport('STEWARD-REPORT {oops').problem).toMatch(/not valid JSON/);
    expect(splitReport('STEWARD-REPORT [1]').problem).toMatch(/not a JSON object/);
    expect(splitReport('').report).toBeNull();
  });
});

describe('scan plans', () => {
  it('walks from the fixed prefix of absolute include globs, dropping roots inside other roots', () => {
    expect(scanPlan({ include: ['/srv/www/*.php', '/srv/www/uploads/**', '/etc/passwd', '*.exe', 'cache/*'], exclude: ['*.iso', 'tmp/*'] })).toEqual({
      roots: ['/etc', '/srv/www'],
      includePaths: ['/srv/www/*.php', '/srv/www/uploads/**', '/etc/passwd', '*/cache/*'],
      includeNames: ['*.exe'],
      excludePaths: ['*/tmp/*'],
      excludeNames: ['*.iso'],
    });
  });

  it('uses the configured paths when given, and needs a root', () => {
    expect(scanPlan({ paths: ['/home/', '/home/alice', '/'], include: ['*'] }).roots).toEqual(['/']);
    expect(scanPlan({ paths: ['/data/'], include: ['*'] }).roots).toEqual(['/data']);
    expect(() => scanPlan({ include: ['*.exe'] })).toThrow(PermanentFailure);
  });
});

describe('versions', () => {
  it('compares dotted versions numerically', () => {
    expect(['1.10.0', '1.9.9', '1.10', '2'].sort((a, b) => compareVersions(a, b))).toEqual(['1.9.9', '1.10.0', '1.10', '2']);
    expect(compareVersions('1.10', '1.10.0')).toBe(0);
  });
});

describe('compatibility', () => {
  const taskType = { supportedOs: ['linux'] } as ClientTaskType;
  const system = (osFamily?: string) => ({ properties: osFamily === undefined ? null : { osFamily } }) as ManagedSystem;

  it('is known only once the system reported its OS family', () => {
    expect([isCompatible(taskType, system()), isCompatible(taskType, system('Linux')), isCompatible(taskType, system('windows'))]).toEqual([true, true, false]);
  });
});
