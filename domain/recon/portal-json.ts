/**
 * What the GSTR-2A and GSTR-2B readers share: portal JSON values as plain objects and texts, the
 * sources they accept and the streaming scan over them (json-stream.ts: one supplier entry is
 * parsed at a time), and the header checks that make a whole file fatal (wrong recipient, a
 * return period that is not MMYYYY or not the one expected).
 */
import { type DateResult, parseDate } from './dates';
import { cleanGstin, parsePlaceOfSupply } from './normalise';
import { JsonPathScanner, JsonScanError, scanChunks, type JsonScanHandlers } from './json-stream';
import type { Issue } from './types';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Where a document's issues point: section, supplier index, and the document index when there is
 * one (bills of entry name none, even inside a supplier's list). Built only when an issue is
 * reported: most documents have none.
 */
export function issueAt(section: string, index: number, j: number | undefined): Issue {
  const ctx: Issue = { code: '', message: '', section, index };
  if (j !== undefined) ctx.docIndex = j;
  return ctx;
}

/** A field as text: a string as given, a number in its JSON form, anything else ''. */
export function fieldText(o: Obj, f: string): string {
  const v = o[f];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** How many distinct texts a memo keeps (a month's return has a few hundred dates and places). */
const MEMO_MAX = 20_000;

/**
 * Dates and places of supply read once per distinct value: a return repeats a few hundred of each
 * over lakhs of documents, and reading one (regular expressions, new strings) cost more than the
 * rest of its document. Same results as `parseDate` and `parsePlaceOfSupply`; one memo per read.
 */
export class PortalMemo {
  private readonly dates = new Map<string, DateResult>();
  private readonly places = new Map<string | number, string | null>();

  date(v: unknown): DateResult {
    if (typeof v !== 'string') return parseDate(v);
    let d = this.dates.get(v);
    if (d === undefined) {
      d = parseDate(v);
      if (this.dates.size < MEMO_MAX) this.dates.set(v, d);
    }
    return d;
  }

  place(v: unknown): string | null {
    if (typeof v !== 'string' && typeof v !== 'number') return parsePlaceOfSupply(v);
    let p = this.places.get(v);
    if (p === undefined) {
      p = parsePlaceOfSupply(v);
      if (this.places.size < MEMO_MAX) this.places.set(v, p);
    }
    return p;
  }
}

/** A portal file: the whole text or bytes, or its chunks (a Node Readable is an AsyncIterable of Buffers). */
export type PortalSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/**
 * Scans `source` with `handlers`, stopping early once `stop()` says the file is already refused.
 * Returns the scan error (not JSON, truncated, empty) for the reader to report, or null.
 */
export async function scanPortal(handlers: JsonScanHandlers, source: PortalSource, stop: () => boolean): Promise<JsonScanError | null> {
  const chunks = typeof source === 'string' || source instanceof Uint8Array ? [source] : source;
  try {
    await scanChunks(new JsonPathScanner(handlers), chunks, stop);
    return null;
  } catch (e) {
    if (e instanceof JsonScanError) return e;
    throw e;
  }
}

/** The fatal issue when a return belongs to another recipient than the `expected` GSTIN (compared cleaned). */
export function recipientIssue(kind: '2A' | '2B', gstin: string, expected: string | undefined): Issue | null {
  const want = expected ? cleanGstin(expected) : '';
  if (!want || gstin === want) return null;
  return { code: 'wrong_recipient', fatal: true, field: 'gstin', message: `${kind} belongs to ${gstin || '(blank)'}, expected ${want}` };
}

/** The fatal issue when the return period (`raw`, read as `period`) is not MMYYYY, or not the `expected` one. */
export function periodIssue(kind: '2A' | '2B', field: string, raw: unknown, period: string | null, expected: string | undefined): Issue | null {
  if (!period) return { code: 'bad_period', fatal: true, field, message: `return period ${JSON.stringify(raw)} is not MMYYYY` };
  if (expected && period !== expected) return { code: 'wrong_period', fatal: true, field, message: `${kind} is for ${period}, expected ${expected}` };
  return null;
}
