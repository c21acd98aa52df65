import { runWithContext } from '../../../db/request-context';
import { captureLogger } from '../../harness/logs';

describe('logger', () => {
  it('redacts secrets by key name at any logged depth', () => {
    const { logger, text } = captureLogger();
    logger.info(
      {
        password: 'canary-pass-1',
        user: { email: 'a@b.test', passwordHash: 'canary-hash-2', totpSecret: 'canary-totp-3' },
        req: { headers: { authorization: 'Bearer canary-token-4', cookie: 'taalmel_session=canary-cookie-5' } },
        settings: { smtp: { password: 'canary-smtp-6' } },
        token: 'canary-token-7',
      },
      'something happened',
    );
    const out = text();
    for (let i = 1; i <= 7; i += 1) expect(out).not.toMatch(new RegExp(`canary-[a-z]+-${i}`));
    expect(out).toContain('[redacted]');
    expect(out).toContain('a@b.test');
  });

  it('stamps the request id of the async context on every line', () => {
    const { logger, lines } = captureLogger();
    runWithContext({ requestId: 'req-12345678' }, () => {
      logger.info('inside');
    });
    logger.info('outside');
    const [inside, outside] = lines.map((l) => JSON.parse(l));
    expect(inside.requestId).toBe('req-12345678');
    expect(outside.requestId).toBeUndefined();
  });
});
