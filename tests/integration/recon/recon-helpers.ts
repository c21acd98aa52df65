/**
 * The API for the reconciliation tests: like tests/harness/api.ts, plus the upload caps and the
 * task queue these tests need, and helpers that create an import and PUT its file.
 */
import { createApp, type App, type AppDeps } from '../../../api/app';
import { createSecurity, type Security } from '../../../api/security';
import { createTemporalClient, type TemporalHandle } from '../../../api/temporal-client';
import { generateReconData, toGstr2bJson, toRegisterCsv, type ReconData } from '../../../ops/bench/recon-data';
import { call, testSecuritySettings } from '../../harness/api';
import type { TestDatabase } from '../../harness/database';
import { harnessValue } from '../../harness/harness-env';
import { serve } from '../../harness/http';
import { captureLogger, type CapturedLogger } from '../../harness/logs';
import { testPayloadCodec } from '../../harness/temporal';

export type ReconApi = { url: string; app: App; security: Security; logs: CapturedLogger; temporal: TemporalHandle; close(): Promise<void> };

export async function startReconApi(db: TestDatabase, options: { taskQueue?: string; imports?: AppDeps['imports']; limits?: AppDeps['limits']; today?: AppDeps['today'] } = {}): Promise<ReconApi> {
  const logs = captureLogger('debug');
  const temporal = createTemporalClient({ address: harnessValue('temporalAddress'), namespace: 'default', taskQueue: options.taskQueue ?? 'unused', codec: testPayloadCodec() });
  const security = createSecurity(testSecuritySettings({ maxSessionsPerUser: 5 }), db.app, logs.logger);
  const app = createApp({ logger: logs.logger, knex: db.app, temporal, security, exposeInternalErrors: false, imports: options.imports, limits: options.limits, today: options.today });
  const server = await serve(app);
  return {
    url: server.url,
    app,
    security,
    logs,
    temporal,
    async close() {
      await server.close();
      await temporal.close();
    },
  };
}

export type Kind = 'gstr2b' | 'gstr2a' | 'purchase_register';

export async function createImport(api: { url: string }, token: string, clientId: string, kind: Kind, period: string, size = 1000) {
  const res = await call(api, 'POST', `/api/clients/${clientId}/imports`, {
    token,
    body: { kind, period, filename: kind === 'purchase_register' ? 'register.csv' : `${kind}.json`, contentType: kind === 'purchase_register' ? 'text/csv' : 'application/json', size },
  });
  return res;
}

/** PUTs raw bytes to an upload URL (absolute, as the API returns it). */
export async function putFile(uploadUrl: string, body: string | Buffer, contentType = 'application/octet-stream') {
  const res = await fetch(uploadUrl, { method: 'PUT', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await res.text();
  let json: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, text };
}

/** Creates an import and uploads the file to it; returns both answers. */
export async function importFile(api: { url: string }, token: string, clientId: string, kind: Kind, period: string, file: string | Buffer, contentType?: string) {
  const created = await createImport(api, token, clientId, kind, period, Buffer.byteLength(file));
  if (created.status !== 201) throw new Error(`create import: ${created.status} ${created.text}`);
  const uploaded = await putFile(created.body.uploadUrl as string, file, contentType);
  return { importId: created.body.importId as string, uploaded };
}

export function reconData(clientGstin: string, n: number, seed = 7): ReconData & { twoB: string; csv: string } {
  const data = generateReconData({ n, seed, period: '2024-06', recipientGstin: clientGstin });
  return { ...data, twoB: toGstr2bJson(data), csv: toRegisterCsv(data) };
}

