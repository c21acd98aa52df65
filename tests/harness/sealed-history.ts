/**
 * The payloads of a committed workflow history (its JSON export), and sealing them with the tests'
 * payload codec key. Every client and worker seals what it hands to Temporal, so a history recorded
 * today holds sealed payloads only; search attributes are the exception (Temporal indexes them, no
 * codec sees them). Histories recorded before the codec were sealed afterwards with
 * `node --import tsx tests/harness/sealed-history.ts <file>…`, which seals each payload exactly as
 * the codec would have when it was recorded (the payload's bytes and its metadata, unchanged inside).
 */
import fs from 'node:fs';
import type { Payload } from '@temporalio/common';
import { ENCRYPTED_ENCODING } from '../../db/security/payload-codec';
import { testPayloadCodec } from './temporal';

/** A payload as a history's JSON export writes it: metadata values and data in base64. */
export type JsonPayload = { metadata?: Record<string, string>; data?: string };

function isPayload(node: Record<string, unknown>): boolean {
  const metadata = node.metadata as Record<string, unknown> | undefined;
  return typeof metadata === 'object' && metadata !== null && typeof metadata.encoding === 'string';
}

/** Every payload of a history's JSON, search attributes left out, where it sits (for messages). */
export function historyPayloads(node: unknown, at = '', found: Array<{ at: string; payload: JsonPayload }> = []): Array<{ at: string; payload: JsonPayload }> {
  if (Array.isArray(node)) {
    node.forEach((item, i) => historyPayloads(item, `${at}[${i}]`, found));
    return found;
  }
  if (typeof node !== 'object' || node === null) return found;
  const record = node as Record<string, unknown>;
  if (isPayload(record)) {
    found.push({ at, payload: record as JsonPayload });
    return found;
  }
  for (const [key, value] of Object.entries(record)) if (key !== 'searchAttributes') historyPayloads(value, `${at}.${key}`, found);
  return found;
}

export function encodingOf(payload: JsonPayload): string {
  return Buffer.from(payload.metadata?.encoding ?? '', 'base64').toString('utf8');
}

/** Seals, in place, every payload of a history's JSON that is not sealed yet; returns how many. */
export async function sealHistoryJson(history: unknown): Promise<number> {
  const codec = testPayloadCodec();
  const plain = historyPayloads(history).filter(({ payload }) => encodingOf(payload) !== ENCRYPTED_ENCODING);
  for (const { payload } of plain) {
    const original: Payload = {
      metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
      data: Buffer.from(payload.data ?? '', 'base64'),
    };
    const [sealed] = await codec.encode([original]);
    payload.metadata = Object.fromEntries(Object.entries(sealed!.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v as Uint8Array).toString('base64')]));
    payload.data = Buffer.from(sealed!.data ?? new Uint8Array()).toString('base64');
  }
  return plain.length;
}

if (require.main === module) {
  void (async () => {
    for (const file of process.argv.slice(2)) {
      const history = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
      const count = await sealHistoryJson(history);
      fs.writeFileSync(file, `${JSON.stringify(history, null, 2)}\n`);
      process.stdout.write(`${file}: ${count} payload(s) sealed\n`);
    }
  })();
}
