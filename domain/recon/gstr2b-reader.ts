/**
 * GSTR-2B JSON reader (docs/reconciliation.md, "Inputs"). Streams: the file is scanned
 * incrementally and each supplier entry of `docdata` / `docRejdata` is parsed on its own (see
 * json-stream.ts for the memory bound), so a 100 MB download never sits in memory as one string or
 * one object tree.
 *
 * Output: canonical PortalDoc[] (amounts in paise, ISO dates), IMS-rejected documents apart,
 * warnings (bad supplier check digits, unknown sections, control-total differences, quirks) and
 * errors that name the section, supplier index, document index and field. A fatal error (not a
 * 2B, wrong recipient, wrong period, truncated JSON) makes `ok` false and empties the documents,
 * so a caller cannot reconcile half a file by accident.
 */
import { parseAmount } from './amounts';
import { mmyyyyFromPeriod, parseDate, periodFromMmyyyy } from './dates';
import { JsonPathScanner, JsonScanError, type JsonScanHandlers, scanErrorCode, type PathSegment } from './json-stream';
import { checkGstin, cleanGstin, cleanKey } from './normalise';
import { type DocumentSink, readBillOfEntry, readDocument } from './gstr2b-documents';
import { DocumentRefs, isObj, longTextIssue, periodIssue, PortalMemo, type PortalSource, recipientIssue, scanPortal } from './portal-json';
import type { Heads, Issue, PortalDoc } from './types';

export interface Gstr2bExpectations {
  /** The client's GSTIN: `data.gstin` must equal it. */
  gstin?: string;
  /** `YYYY-MM`: `data.rtnprd` must equal it. */
  period?: string;
}

export interface Gstr2bReadOptions extends Gstr2bExpectations {
  /**
   * Distinguishes refs when several files of one period are merged (docs/reconciliation.md,
   * "Inputs").
   */
  fileTag?: string;
  /** Cap on stored issues (the count of dropped ones is reported). */
  maxIssues?: number;
}

export interface SectionTotals extends Heads {
  taxableValue: number;
  count: number;
}

export interface Gstr2bReadResult {
  ok: boolean;
  header: { gstin: string; period: string; version: string; generatedOn: string | null };
  documents: PortalDoc[];
  rejected: PortalDoc[];
  /** Parsed per-section totals (magnitudes, all docdata documents) and the portal's own cpsumm totals. */
  controlTotals: Record<string, { parsed: SectionTotals; portal: SectionTotals | null }>;
  /** The portal's `itcsumm`, untouched, for display. */
  itcSummary: unknown;
  warnings: Issue[];
  errors: Issue[];
}

const SUPPLIER_SECTIONS: Readonly<Record<string, { list: string; kind: 'inv' | 'nt' | 'isd' | 'boe' }>> = {
  b2b: { list: 'inv', kind: 'inv' },
  b2ba: { list: 'inv', kind: 'inv' },
  ecom: { list: 'inv', kind: 'inv' },
  ecoma: { list: 'inv', kind: 'inv' },
  cdnr: { list: 'nt', kind: 'nt' },
  cdnra: { list: 'nt', kind: 'nt' },
  isd: { list: 'doclist', kind: 'isd' },
  isda: { list: 'doclist', kind: 'isd' },
  impgsez: { list: 'boe', kind: 'boe' },
};

function zeroTotals(): SectionTotals {
  return { taxableValue: 0, igst: 0, cgst: 0, sgst: 0, cess: 0, count: 0 };
}

const HEAD_FIELDS = ['txval', 'igst', 'cgst', 'sgst', 'cess'] as const;

class Reader implements DocumentSink {
  readonly warnings: Issue[] = [];
  readonly errors: Issue[] = [];
  readonly documents: PortalDoc[] = [];
  readonly rejected: PortalDoc[] = [];
  readonly parsed = new Map<string, SectionTotals>();
  readonly cpsumm = new Map<string, SectionTotals>();
  private readonly counted = new Map<string, Issue>();
  private dropped = 0;
  gstin = '';
  period = '';
  version = '';
  generatedOn: string | null = null;
  itcSummary: unknown = null;
  fatal = false;
  sawRoot = false;
  sawDocdata = false;
  private readonly badSupplierGstins = new Set<string>();
  readonly memo = new PortalMemo();
  /** Refs: `period:` (and `fileTag:` when given), then section, supplier index, document index. */
  private readonly refs: DocumentRefs;

  constructor(private readonly opts: Gstr2bReadOptions) {
    const tag = opts.fileTag ? `${opts.fileTag}:` : '';
    this.refs = new DocumentRefs((period) => `${period}:${tag}`);
  }

  private push(list: Issue[], issue: Issue): void {
    if (list.length >= (this.opts.maxIssues ?? 1000)) {
      this.dropped += 1;
      return;
    }
    list.push(issue);
  }
  error(issue: Issue): void {
    if (issue.fatal) this.fatal = true;
    this.push(this.errors, issue);
  }
  warn(issue: Issue): void {
    this.push(this.warnings, issue);
  }
  /** One warning per code, with a count: for quirks that can repeat on every document. */
  countWarn(code: string, message: string): void {
    const w = this.counted.get(code);
    if (w) w.count = (w.count ?? 1) + 1;
    else {
      const issue: Issue = { code, message, count: 1 };
      this.counted.set(code, issue);
      this.warn(issue);
    }
  }
  finishIssues(): void {
    if (this.dropped > 0) {
      this.warnings.push({ code: 'issues_truncated', message: `${this.dropped} further issues not listed`, count: this.dropped });
    }
  }

  // ---- header fields -------------------------------------------------------------------------
  header(field: string, v: unknown): void {
    switch (field) {
      case 'gstin': {
        this.gstin = typeof v === 'string' ? cleanGstin(v) : '';
        const wrong = recipientIssue('2B', this.gstin, this.opts.gstin);
        if (wrong) {
          this.error(wrong);
        } else if (this.gstin && checkGstin(this.gstin).problem) {
          this.warn({ code: 'invalid_recipient_gstin', field: 'gstin', message: `recipient GSTIN ${this.gstin} fails validation` });
        }
        break;
      }
      case 'rtnprd': {
        // 2B writes the period as a number at times (062024 → 62024).
        const p = typeof v === 'string' || typeof v === 'number' ? periodFromMmyyyy(String(v).padStart(6, '0')) : null;
        if (p) this.period = p;
        const issue = periodIssue('2B', 'rtnprd', v, p, this.opts.period);
        if (issue) this.error(issue);
        break;
      }
      case 'version':
        this.version = String(v ?? '');
        break;
      case 'gendt': {
        const d = parseDate(v);
        this.generatedOn = d.ok ? d.iso : null;
        break;
      }
      case 'itcsumm':
        this.itcSummary = v;
        break;
      case 'cpsumm':
        this.readCpsumm(v);
        break;
      case 'docdata':
      case 'docRejdata':
        this.error({ code: 'wrong_schema', fatal: true, field, message: `${field} must be an object of sections` });
        break;
      default:
        break;
    }
  }

  private readCpsumm(v: unknown): void {
    if (!isObj(v)) return;
    for (const [section, rows] of Object.entries(v)) {
      if (!Array.isArray(rows)) continue;
      const t = zeroTotals();
      for (const r of rows) {
        if (!isObj(r)) continue;
        t.count += typeof r.ttldocs === 'number' ? r.ttldocs : 0;
        for (const f of HEAD_FIELDS) {
          const a = parseAmount(r[f]);
          if (a.ok) t[f === 'txval' ? 'taxableValue' : f] += Math.abs(a.paise);
        }
      }
      this.cpsumm.set(section, t);
    }
  }

  // ---- documents -------------------------------------------------------------------------------
  entry(section: string, index: number, entry: unknown, rejected: boolean): void {
    const where = rejected ? `docRejdata.${section}` : section;
    const spec = SUPPLIER_SECTIONS[section];
    if (section === 'impg') {
      readBillOfEntry(this, where, section, index, undefined, entry, '', '', rejected);
      return;
    }
    if (!spec) {
      // Unknown (newer) section: count, never fail (docs/reconciliation.md, "Inputs").
      let n = 1;
      if (isObj(entry)) {
        const lists = Object.values(entry).filter(Array.isArray);
        if (lists.length > 0) n = lists.reduce((s, l) => s + l.length, 0);
      }
      const code = `unknown_section:${where}`;
      const w = this.counted.get(code);
      if (w) w.count = (w.count ?? 0) + n;
      else {
        const issue: Issue = { code: 'unknown_section', section: where, message: `section ${where} is not understood; its documents were counted, not imported`, count: n };
        this.counted.set(code, issue);
        this.warn(issue);
      }
      return;
    }
    if (!isObj(entry)) {
      this.error({ code: 'invalid_entry', section: where, index, message: 'supplier entry is not an object' });
      return;
    }
    const ctinRaw = entry.ctin;
    if (typeof ctinRaw !== 'string' || ctinRaw.trim() === '') {
      this.error({ code: 'missing_field', section: where, index, field: 'ctin', message: 'Supplier GSTIN missing' });
      return;
    }
    const ctin = cleanGstin(ctinRaw);
    const problem = checkGstin(ctin).problem;
    if (problem && !this.badSupplierGstins.has(ctin)) {
      this.badSupplierGstins.add(ctin);
      // docs/reconciliation.md, "Normalisation": portal sample files carry bad check digits; a
      // warning, never a reason to drop.
      this.warn({ code: 'invalid_supplier_gstin', section: where, index, field: 'ctin', message: `supplier GSTIN ${ctin} fails validation (${problem}); documents kept` });
    }
    const name = typeof entry.trdnm === 'string' ? entry.trdnm.trim() : '';
    const list = entry[spec.list];
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      this.error({ code: 'invalid_entry', section: where, index, field: spec.list, message: `${spec.list} is not an array` });
      return;
    }
    const supPeriod = typeof entry.supprd === 'string' ? periodFromMmyyyy(entry.supprd) ?? undefined : undefined;
    const supFiled = entry.supfildt !== undefined ? this.memo.date(entry.supfildt) : null;
    const filed = supFiled && supFiled.ok ? supFiled.iso : undefined;
    for (let j = 0; j < list.length; j += 1) {
      const doc: unknown = list[j];
      if (spec.kind === 'boe') readBillOfEntry(this, where, section, index, j, doc, ctin, name, rejected);
      else readDocument(this, where, section, spec.kind, index, j, doc, ctin, name, supPeriod, filed, rejected);
    }
  }

  issueCount(): number {
    return this.errors.length + this.dropped;
  }

  add(doc: PortalDoc, where: string, index: number, j: number | undefined, rejected: boolean): void {
    const long = longTextIssue(doc, where, index, j);
    if (long) {
      this.error(long);
      return;
    }
    this.refs.stamp(doc, this.period, where, index, j);
    if (rejected) {
      doc.rejected = true;
      this.rejected.push(doc);
      return;
    }
    this.documents.push(doc);
    let t = this.parsed.get(doc.section);
    if (!t) {
      t = zeroTotals();
      this.parsed.set(doc.section, t);
    }
    t.count += 1;
    t.taxableValue += doc.taxableValue;
    t.igst += doc.igst;
    t.cgst += doc.cgst;
    t.sgst += doc.sgst;
    t.cess += doc.cess;
  }

  result(): Gstr2bReadResult {
    if (!this.fatal && this.sawRoot) {
      if (!this.period && !this.gstin) {
        this.error({ code: 'wrong_schema', fatal: true, message: 'not a GSTR-2B file: data.gstin / data.rtnprd / data.docdata not found' });
      } else if (!this.period) {
        this.error({ code: 'wrong_schema', fatal: true, field: 'rtnprd', message: 'return period (rtnprd) missing' });
      } else if (!this.sawDocdata) {
        this.warn({ code: 'no_documents', message: '2B has no docdata: no documents imported' });
      }
    }
    this.refs.finish(this.documents, this.period);
    this.refs.finish(this.rejected, this.period);
    const controlTotals: Gstr2bReadResult['controlTotals'] = {};
    for (const [section, parsed] of this.parsed) {
      const portal = this.cpsumm.get(section) ?? null;
      controlTotals[section] = { parsed, portal };
      if (!portal) continue;
      const fields = ['taxableValue', 'igst', 'cgst', 'sgst', 'cess'] as const;
      const off = fields.filter((f) => Math.abs(parsed[f] - portal[f]) > 100);
      if (off.length > 0) {
        this.warn({ code: 'control_total_mismatch', section, message: `parsed ${section} totals differ from the portal's cpsumm by more than ₹1 in ${off.join(', ')}` });
      }
    }
    this.finishIssues();
    const ok = !this.fatal;
    return {
      ok,
      header: { gstin: this.gstin, period: this.period, version: this.version, generatedOn: this.generatedOn },
      documents: ok ? this.documents : [],
      rejected: ok ? this.rejected : [],
      controlTotals,
      itcSummary: this.itcSummary,
      warnings: this.warnings,
      errors: this.errors,
    };
  }
}

/** Paths: root, `data`, `docdata`/`docRejdata`, sections; entries are parsed one by one. */
function handlersFor(r: Reader): JsonScanHandlers {
  const base = (p: readonly PathSegment[]): number => (p[0] === 'data' ? 1 : 0);
  return {
    // The only arrays walked into are sections, whose supplier entries are taken whole.
    wholeElements: () => true,
    descend(p, kind) {
      if (p.length === 0) {
        if (kind === 'object') r.sawRoot = true;
        return kind === 'object';
      }
      if (p.length === 1 && p[0] === 'data') return kind === 'object';
      const b = base(p);
      if (p.length === b + 1 && (p[b] === 'docdata' || p[b] === 'docRejdata')) {
        if (kind === 'object' && p[b] === 'docdata') r.sawDocdata = true;
        return kind === 'object';
      }
      if (p.length === b + 2 && (p[b] === 'docdata' || p[b] === 'docRejdata')) return kind === 'array';
      return false;
    },
    value(p, v) {
      if (r.fatal) return;
      if (p.length === 0) {
        r.error({ code: 'wrong_schema', fatal: true, message: 'not a GSTR-2B file: the JSON is not an object' });
        return;
      }
      if (p.length === 1 && p[0] === 'data') {
        r.error({ code: 'wrong_schema', fatal: true, field: 'data', message: 'data must be an object' });
        return;
      }
      const b = base(p);
      if (p.length === b + 1) {
        r.header(String(p[b]), v);
        return;
      }
      const container = p[b];
      if (container !== 'docdata' && container !== 'docRejdata') return;
      if (p.length === b + 2) {
        // A section that is not an array: new portal shape or a broken file.
        r.warn({ code: 'unexpected_section_shape', section: String(p[b + 1]), message: `section ${String(p[b + 1])} is not an array; ignored` });
        return;
      }
      if (p.length === b + 3) r.entry(String(p[b + 1]), Number(p[b + 2]), v, container === 'docRejdata');
    },
  };
}

function fail(r: Reader, e: unknown): Gstr2bReadResult {
  if (e instanceof JsonScanError) {
    r.error({ code: scanErrorCode(e), fatal: true, message: e.message, field: e.path.join('.') || undefined });
    return r.result();
  }
  throw e;
}

/** Parse a whole 2B held in memory (small files, tests). */
export function parseGstr2b(input: string | Uint8Array, options: Gstr2bReadOptions = {}): Gstr2bReadResult {
  const r = new Reader(options);
  const scanner = new JsonPathScanner(handlersFor(r));
  try {
    scanner.write(typeof input === 'string' ? input : new TextDecoder().decode(input));
    scanner.end();
  } catch (e) {
    return fail(r, e);
  }
  return r.result();
}

/**
 * Stream a 2B from chunks (a Node Readable is an AsyncIterable<Buffer>). Stops reading as soon as
 * a fatal header problem (wrong recipient or period) is known.
 */
export async function readGstr2b(source: PortalSource, options: Gstr2bReadOptions = {}): Promise<Gstr2bReadResult> {
  const r = new Reader(options);
  const e = await scanPortal(handlersFor(r), source, () => r.fatal);
  return e ? fail(r, e) : r.result();
}

/**
 * Merge several files of one period (docs/reconciliation.md, "Inputs"), de-duplicating on
 * (section, supplier GSTIN, document type, clean number, date). Refs must differ between files:
 * read each with its own `fileTag`.
 */
export function mergeGstr2bResults(parts: readonly Gstr2bReadResult[]): Gstr2bReadResult {
  const first = parts[0];
  if (!first) throw new Error('nothing to merge');
  const warnings: Issue[] = parts.flatMap((p) => p.warnings);
  const errors: Issue[] = parts.flatMap((p) => p.errors);
  for (const p of parts.slice(1)) {
    if (p.header.gstin !== first.header.gstin || p.header.period !== first.header.period) {
      errors.push({ code: 'merge_mismatch', fatal: true, message: `cannot merge ${p.header.gstin} ${p.header.period} into ${first.header.gstin} ${first.header.period}` });
    }
  }
  const seen = new Set<string>();
  let dupes = 0;
  const dedupe = (docs: PortalDoc[]): PortalDoc[] => docs.filter((d) => {
    const k = `${d.rejected ? 'R' : ''}${d.section}|${d.supplierGstin}|${d.docType}|${cleanKey(d.numberRaw)}|${d.date}`;
    if (seen.has(k)) {
      dupes += 1;
      return false;
    }
    seen.add(k);
    return true;
  });
  const documents = dedupe(parts.flatMap((p) => p.documents));
  const rejected = dedupe(parts.flatMap((p) => p.rejected));
  if (dupes > 0) warnings.push({ code: 'merged_duplicates', message: `${dupes} documents present in more than one file were kept once`, count: dupes });
  const ok = parts.every((p) => p.ok) && !errors.some((e) => e.code === 'merge_mismatch');
  return {
    ok,
    header: first.header,
    documents: ok ? documents : [],
    rejected: ok ? rejected : [],
    controlTotals: first.controlTotals,
    itcSummary: first.itcSummary,
    warnings,
    errors,
  };
}

/**
 * A 2B read from supplier entries already in the JSON's shape (the portal's Excel, portal-xlsx.ts),
 * through the same document reader and checks as the JSON: the same documents, refs and issues.
 * `header` is what the file states (a missing period is the caller's to supply or refuse).
 */
export function readGstr2bEntries(
  header: { gstin: string | null; period: string },
  entries: Iterable<{ section: string; index: number; entry: unknown; rejected: boolean }>,
  options: Gstr2bReadOptions = {},
): Gstr2bReadResult {
  const r = new Reader(options);
  r.sawRoot = true;
  r.sawDocdata = true;
  if (header.gstin !== null) r.header('gstin', header.gstin);
  r.header('rtnprd', mmyyyyFromPeriod(header.period));
  for (const e of entries) {
    if (r.fatal) break;
    r.entry(e.section, e.index, e.entry, e.rejected);
  }
  return r.result();
}
