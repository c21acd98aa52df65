import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { DatabaseError } from 'pg';
import { errorHandler } from '../../../api/middleware/error-handler';
import { requestContext } from '../../../api/middleware/request-context';
import { ApiError } from '../../../api/errors';
import { bodyOf, serve } from '../../harness/http';
import { captureLogger } from '../../harness/logs';

function appThatThrows(error: unknown, exposeInternalErrors: boolean) {
  const logs = captureLogger();
  const app = new Koa();
  app.silent = true;
  app.use(requestContext());
  app.use(errorHandler({ logger: logs.logger, exposeInternalErrors }));
  app.use(() => {
    throw error;
  });
  return { app, logs };
}

describe('error handler', () => {
  it('renders an ApiError with its status, code, details and headers', async () => {
    const { app } = appThatThrows(new ApiError(429, 'rate_limited', 'Slow down.', { retryAfterSeconds: 30 }, { 'Retry-After': '30' }), false);
    const server = await serve(app);
    const res = await fetch(server.url);
    await server.close();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(await bodyOf(res)).toEqual({ error: { code: 'rate_limited', message: 'Slow down.', details: { retryAfterSeconds: 30 } } });
  });

  it('hides an unexpected error outside development but logs it', async () => {
    const { app, logs } = appThatThrows(new Error('db password is hunter2'), false);
    const server = await serve(app);
    const res = await fetch(server.url);
    await server.close();
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text).error.code).toBe('internal_error');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('at ');
    expect(logs.text()).toContain('unhandled error');
  });

  it('shows the cause in development', async () => {
    const { app } = appThatThrows(new Error('boom'), true);
    const server = await serve(app);
    const body = await bodyOf(await fetch(server.url));
    await server.close();
    expect(body.error.details.cause).toBe('boom');
  });

  it('shows a database error in development without the value its message quotes', async () => {
    const gstin = '27AAPFU0939F1ZV';
    const error = Object.assign(new DatabaseError(`invalid input syntax for type uuid: "${gstin}"`, 0, 'error'), { severity: 'ERROR', code: '22P02' });
    expect(error.stack).toContain(gstin); // node-postgres's stack begins with its message (else this test proves nothing)
    const { app, logs } = appThatThrows(error, true);
    const server = await serve(app);
    const res = await fetch(server.url);
    await server.close();
    const text = await res.text();
    const details = JSON.parse(text).error.details;
    expect({ status: res.status, gstin: text.includes(gstin), logged: logs.text().includes(gstin) }).toEqual({ status: 500, gstin: false, logged: false });
    expect(details).toMatchObject({ cause: 'database error 22P02 (data exception)', stack: expect.stringMatching(/^ScrubbedDatabaseError: database error 22P02 \(data exception\)\n {4}at /) });
  });

  it('answers a body that is not JSON with 400 saying so, never quoting the body', async () => {
    const logs = captureLogger();
    const app = new Koa();
    app.silent = true;
    app.use(requestContext());
    app.use(errorHandler({ logger: logs.logger, exposeInternalErrors: true }));
    app.use(bodyParser({ enableTypes: ['json'], encoding: 'utf-8' }));
    app.use((ctx) => {
      ctx.body = { parsed: true };
    });
    const server = await serve(app);
    const post = (body: string) => fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const broken = await post('{not json, "password": "hunter2"');
    const brokenText = await broken.text();
    const scalar = await post('"just text"');
    const scalarBody = await bodyOf(scalar);
    await server.close();
    const refusal = { status: 400, body: { error: { code: 'invalid_input', message: 'The request body is not valid JSON: send a JSON object, with double-quoted names and strings.', details: { fields: { body: 'not valid JSON' } } } } };
    expect({ status: broken.status, body: JSON.parse(brokenText) }).toEqual(refusal);
    expect(brokenText).not.toContain('hunter2');
    expect({ status: scalar.status, body: scalarBody }).toEqual(refusal);
  });
});
