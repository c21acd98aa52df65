import { ConfigError, loadConfig } from '../../../ops/config';

describe('configuration', () => {
  it('has working defaults for the dev stack', () => {
    const config = loadConfig({});
    expect(config.api.port).toBe(3000);
    expect(config.database.embeddedPort).toBe(5433);
    expect(config.temporal).toMatchObject({ devPort: 7233, uiPort: 8233, taskQueue: 'taalmel', namespace: 'default' });
    expect(config.database.url).toBeUndefined();
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ TEMPORAL_UI_PORT: '70000' })).toThrow(/TEMPORAL_UI_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x@y/z' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_APP_ROLE: 'x; drop table users' })).toThrow(/DATABASE_APP_ROLE/);
  });

  it('requires the external services for production entry points', () => {
    try {
      loadConfig({ NODE_ENV: 'production' }, { requireExternalServices: true });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toMatch(/DATABASE_URL/);
      expect((error as ConfigError).problems.join('\n')).toMatch(/TEMPORAL_ADDRESS/);
    }
    const config = loadConfig(
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://u:p@db:5432/taalmel', TEMPORAL_ADDRESS: 'temporal:7233' },
      { requireExternalServices: true },
    );
    expect(config.isDev).toBe(false);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }).database.url).toBeUndefined();
  });

  it('reads the roles the web app links to the Temporal UI for', () => {
    expect(loadConfig({}).temporal.uiLinkRoles).toBeUndefined();
    expect(loadConfig({ TEMPORAL_UI_LINK_ROLES: '' }).temporal.uiLinkRoles).toEqual([]);
    expect(loadConfig({ TEMPORAL_UI_LINK_ROLES: 'firm_admin, manager' }).temporal.uiLinkRoles).toEqual(['firm_admin', 'manager']);
    // Portal users never: the UI shows the firm's internals.
    expect(() => loadConfig({ TEMPORAL_UI_LINK_ROLES: 'firm_admin,client' })).toThrow(/TEMPORAL_UI_LINK_ROLES/);
  });

  it('reads the SMTP test limit, 5 an hour unless set, a whole number from 1 to 1000', () => {
    expect(loadConfig({}).mail.smtpTestLimitPerHour).toBe(5);
    expect(loadConfig({ SMTP_TEST_LIMIT_PER_HOUR: '20' }).mail.smtpTestLimitPerHour).toBe(20);
    for (const bad of ['0', '-1', '2.5', 'many', '1001']) expect(() => loadConfig({ SMTP_TEST_LIMIT_PER_HOUR: bad })).toThrow(/SMTP_TEST_LIMIT_PER_HOUR/);
  });

  it('keeps an idle connection 130 s unless set (above the 2 minutes Caddy keeps its own), a whole number of seconds up to an hour', () => {
    expect(loadConfig({}).limits.keepAliveTimeoutMs).toBe(130_000);
    expect(loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: '620' }).limits.keepAliveTimeoutMs).toBe(620_000);
    for (const bad of ['0', '-1', '2.5', 'long', '3601']) expect(() => loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: bad })).toThrow(/KEEP_ALIVE_TIMEOUT_SECONDS/);
  });
});
