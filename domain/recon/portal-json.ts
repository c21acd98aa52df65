/**
 * What the GSTR-2A and GSTR-2B readers share: portal JSON values as plain objects and texts, the
 * sources they accept and the streaming scan over them (json-stream.ts: one supplier entry is
 * parsed at a time), and the header checks that make a whole file fatal (wrong recipient, a
 * return period that is not MMYYYY or not the one expected).
 */
import { type DateResult, parseDate } from './dates';
import { cleanGstin, parsePlaceOfSupply } from './normalise';
import { JsonPathScanner, JsonScanError, scanChunks, type JsonScanHandlers } from './json-stream';
import { keepShape } from './kept-shapes';
import { portalFieldLabel } from './labels';
import { TEXT_LIMITS, tooLongMessage } from './text-limits';
import type { DocType, Issue, PortalDoc, PortalSection } from './types';

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

/**
 * The first of a document's kept texts over its limit (text-limits.ts), as an issue at its section,
 * supplier entry and document (issueAt), or null: the reader then leaves the document out with that row
 * error, and the upload is refused naming it. A handful of comparisons per document, nothing built
 * unless one fails.
 */
export function longTextIssue(doc: PortalDoc, section: string, index: number, j: number | undefined): Issue | null {
  const { number, name, code } = TEXT_LIMITS;
  const field = doc.numberRaw.length > number ? 'numberRaw'
    : doc.supplierName.length > name ? 'supplierName'
      : doc.supplierGstin.length > code ? 'supplierGstin'
        : (doc.original?.number.length ?? 0) > number ? 'original'
          : (doc.billOfEntryNumber?.length ?? 0) > number ? 'billOfEntryNumber'
            : (doc.irn?.length ?? 0) > code ? 'irn'
              : (doc.supplyType?.length ?? 0) > code ? 'supplyType'
                : (doc.itcUnavailableReason?.length ?? 0) > code ? 'itcUnavailableReason'
                  : (doc.portCode?.length ?? 0) > code ? 'portCode'
                    : (doc.supplierPeriod?.length ?? 0) > code ? 'supplierPeriod'
                      : (doc.supplierFilingDate?.length ?? 0) > code ? 'supplierFilingDate' : null;
  if (field === null) return null;
  const text = field === 'original' ? doc.original!.number : doc[field] as string;
  const max = field === 'numberRaw' || field === 'original' || field === 'billOfEntryNumber' ? number : field === 'supplierName' ? name : code;
  return { ...issueAt(section, index, j), code: 'text_too_long', field, message: `${portalFieldLabel(field)}: ${tooLongMessage(text.length, max)}` };
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

/**
 * A document as the portal readers build it, with the fields every document has, in the order the
 * readers have always set them; the readers add the optional ones after it, in their own order.
 *
 * A class rather than an object literal, for two costs a profile of the readers showed in building
 * each document: a literal's object holds only the fields written in it, so the optional fields
 * added after it (place of supply, supplier period, filing date, supply type…) went to a separate
 * array, allocated and then grown; a class's instances have room in the object itself for what its
 * constructor sets and a few fields more. And V8 keeps a field that has held a number that is not
 * a small integer (an amount in paise past 2^31, a `diffprcnt` of 0.65) as a boxed double: every
 * later document of that shape then allocated a box for each of its seven amounts. One instance
 * built with text where the amounts go, kept for the life of the process (kept-shapes.ts), makes
 * those fields plain ones, where small integers (nearly all amounts) sit in the object unboxed.
 */
export class PortalDocument implements PortalDoc {
  declare ref: string;
  declare section: PortalSection;
  declare period: string;
  declare supplierGstin: string;
  declare supplierName: string;
  declare docType: DocType;
  declare numberRaw: string;
  declare date: string;
  declare invoiceValue: number;
  declare taxableValue: number;
  declare igst: number;
  declare cgst: number;
  declare sgst: number;
  declare cess: number;
  declare reverseCharge: boolean;
  declare itcAvailable: boolean;
  declare diffPercent: number;

  constructor(section: PortalSection, supplierGstin: string, supplierName: string, docType: DocType, numberRaw: string, date: string,
    invoiceValue: number, taxableValue: number, igst: number, cgst: number, sgst: number, cess: number,
    reverseCharge: boolean, itcAvailable: boolean, diffPercent: number) {
    this.ref = '';
    this.section = section;
    this.period = '';
    this.supplierGstin = supplierGstin;
    this.supplierName = supplierName;
    this.docType = docType;
    this.numberRaw = numberRaw;
    this.date = date;
    this.invoiceValue = invoiceValue;
    this.taxableValue = taxableValue;
    this.igst = igst;
    this.cgst = cgst;
    this.sgst = sgst;
    this.cess = cess;
    this.reverseCharge = reverseCharge;
    this.itcAvailable = itcAvailable;
    this.diffPercent = diffPercent;
  }
}

{
  const text = '' as unknown as number;
  keepShape(new PortalDocument('b2b', '', '', 'invoice', '', '', text, text, text, text, text, text, false, true, text));
}

/**
 * The refs and period of a reader's documents. A ref is `prefix(period)` (the return's period, and
 * for the 2B the file's tag) followed by where the document sits in the file: section, supplier
 * index, document index (`b2b:12:3`). The header comes before the documents in the portal's files,
 * so each document is given its final ref as it is read: the text up to the document index is
 * built once per supplier entry and shared by its documents, where building every ref whole at the
 * end made three new strings per document. A document read before the period was known, or before
 * it changed, is given its ref again by `finish`.
 */
export class DocumentRefs {
  private base = '';
  private baseWhere = '';
  private baseIndex = -1;
  private basePeriod: string | null = null;

  constructor(private readonly prefix: (period: string) => string) {}

  /** Sets the ref and period of document `j` (none: a bill of entry listed on its own) of entry `index` of `where`. */
  stamp(doc: PortalDoc, period: string, where: string, index: number, j: number | undefined): void {
    if (period !== this.basePeriod || index !== this.baseIndex || where !== this.baseWhere) {
      this.base = `${this.prefix(period)}${where}:${index}:`;
      this.basePeriod = period;
      this.baseIndex = index;
      this.baseWhere = where;
    }
    doc.period = period;
    doc.ref = j === undefined ? this.base.slice(0, -1) : this.base + String(j);
  }

  /** Documents stamped with another period than the return's final one, given their refs again. */
  finish(docs: readonly PortalDoc[], period: string): void {
    for (const d of docs) {
      if (d.period === period) continue;
      d.ref = this.prefix(period) + d.ref.slice(this.prefix(d.period).length);
      d.period = period;
    }
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
