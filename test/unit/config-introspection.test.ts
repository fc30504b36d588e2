import { loadConfig } from '../../infra/config';

const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

function introspectionWith(env: NodeJS.ProcessEnv): boolean {
  return loadConfig({ STEWARD_MASTER_KEY: MASTER_KEY, ...env }).introspection;
}

describe('the introspection setting', () => {
  it('is on in development and off under NODE_ENV=production', () => {
    expect(introspectionWith({})).toBe(true);
    expect(introspectionWith({ NODE_ENV: 'development' })).toBe(true);
    expect(introspectionWith({ NODE_ENV: 'production' })).toBe(false);
  });

  it('follows STEWARD_INTROSPECTION when it is set', () => {
    expect(introspectionWith({ NODE_ENV: 'production', STEWARD_INTROSPECTION: 'on' })).toBe(true);
    expect(introspectionWith({ STEWARD_INTROSPECTION: 'off' })).toBe(false);
  });

  it('refuses a value other than on or off', () => {
    expect(() => introspectionWith({ STEWARD_INTROSPECTION: 'yes' })).toThrow('STEWARD_INTROSPECTION must be on or off, got "yes"');
  });
});
