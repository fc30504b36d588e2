import { endpointPath, endpointPaths } from '../../services/client-tasks/endpoint/paths';
import { scanPlan } from '../../services/client-tasks/endpoint/drivers/scan-plan';
import { PermanentFailure } from '../../services/shared/permanent-failure';

describe('paths handed to endpoint scripts', () => {
  it.each(['/', '/srv/mirror', '/home/alice/My Files', '/opt/steward-1.2', '/nonexistent; rm -rf ~', '/a/.hidden/b..c'])('accepts %j', (path) => {
    expect(endpointPath(path, 'targetPath')).toBe(path);
  });

  it.each([
    ['a relative path', 'srv/mirror', /not an absolute path/],
    ['an option', '-rf', /not an absolute path/],
    ['an option after a blank', ' -rf', /not an absolute path/],
    ['a ".." component', '/srv/../etc', /not normalized/],
    ['a trailing ".."', '/srv/..', /not normalized/],
    ['a "." component', '/srv/./mirror', /not normalized/],
    ['an empty component', '/srv//mirror', /not normalized/],
    ['a trailing slash', '/srv/mirror/', /not normalized/],
    ['a newline', '/srv/mirror\n/etc', /control character/],
    ['a NUL', '/srv/mirror\0', /control character/],
    ['a tab', '/srv/\tmirror', /control character/],
    ['a very long path', `/${'a'.repeat(5000)}`, /longer than 4096/],
    ['a number', 42, /must be a path/],
    ['nothing', undefined, /must be a path/],
  ])('refuses %s as a PermanentFailure naming the setting', (_what, path, message) => {
    expect(() => endpointPath(path, 'targetPath')).toThrow(PermanentFailure);
    expect(() => endpointPath(path, 'targetPath')).toThrow(message);
    expect(() => endpointPath(path, 'targetPath')).toThrow(/^targetPath /);
  });

  it('checks every item of a list, and reads absent as empty', () => {
    expect(endpointPaths(['/a', '/b c'], 'paths')).toEqual(['/a', '/b c']);
    expect(endpointPaths(undefined, 'paths')).toEqual([]);
    expect(() => endpointPaths(['/a', '../b'], 'paths')).toThrow(PermanentFailure);
    expect(() => endpointPaths('/a', 'paths')).toThrow(/list of paths/);
  });

  it('holds scan roots to the same rules, from paths and from include globs alike', () => {
    expect(scanPlan({ paths: ['/srv/'], include: ['*'] }).roots).toEqual(['/srv']);
    expect(() => scanPlan({ paths: ['/srv/../etc'], include: ['*'] })).toThrow(PermanentFailure);
    expect(() => scanPlan({ paths: ['-delete'], include: ['*'] })).toThrow(PermanentFailure);
    expect(() => scanPlan({ include: ['/srv/../etc/*'] })).toThrow(/not normalized/);
    expect(() => scanPlan({ paths: ['/srv\n/etc'], include: ['*'] })).toThrow(/control character/);
  });
});
