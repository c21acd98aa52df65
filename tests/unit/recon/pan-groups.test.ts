/**
 * Is `reconcile` local to a supplier's PAN? The passes pair documents of one supplier GSTIN (P1–P5)
 * and of one PAN with different GSTINs (P6), so a run might be matched a group of suppliers at a
 * time (docs/performance.md, "Memory", matching in groups of suppliers). This reconciles the golden
 * inputs (ops/bench/recon-golden.ts) whole and in groups, puts the groups' results back together
 * (rows in result order, rejected documents by ref, warnings in the engine's order, summaries and
 * vendor view added up) and compares everything `reconcile` returns.
 *
 * The groups are a PAN's documents, except where the engine itself crosses PANs: bills of entry
 * are aggregated and matched by their number whatever the supplier (one group of all of them,
 * IMS-rejected ones included), and documents without a PAN (no or an invalid GSTIN) are grouped by
 * their cleaned GSTIN. What is still global is pinned by the case at the end: the FY slots are
 * counted from the run's earliest FY and capped, so a run that spans more FYs than the slots hold
 * pairs differently in groups than whole, unless every group is given the run's earliest FY.
 */
import {
  checkGstin, dayOfIso, panOf, reconcile, summariseSuppliers, type BooksRow, type Issue, type MatchOptions, type PortalDoc,
  type ReconcileResult, type ResultRow, type RunSummary, type SupplierSummary,
} from '../../../domain/recon';
import { GOLDEN_CASES, goldenInputs, stableJson } from '../../../ops/bench/recon-golden';

/** The group a document is matched in. */
function groupOf(docType: string, gstin: string): string {
  if (docType === 'bill_of_entry') return 'boe';
  const clean = checkGstin(gstin).gstin;
  const pan = panOf(clean);
  return pan !== '' ? `pan:${pan}` : `gstin:${clean}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A row's day as the result order reads it: the books document's date, else the portal's. */
function rowDay(r: ResultRow): number {
  const iso = r.books ? r.books.invoiceDate : r.portal!.date;
  return iso ? dayOfIso(iso) : 0;
}

/** Result order (docs/reconciliation.md, "The report"): supplier GSTIN, date, row id. */
function byResultOrder(x: ResultRow, y: ResultRow): number {
  return cmp(x.supplierGstin, y.supplierGstin) || rowDay(x) - rowDay(y) || cmp(x.id, y.id);
}

/** The engine's warning order (match/run.ts). */
function byWarning(x: Issue, y: Issue): number {
  return cmp(x.code, y.code) || cmp(x.rowRef ?? '', y.rowRef ?? '') || cmp(x.message, y.message);
}

/** Numbers added leaf by leaf; anything else must be equal (the options). */
function addInto(into: Record<string, unknown>, from: Record<string, unknown>, path: string): void {
  for (const [k, v] of Object.entries(from)) {
    const have = into[k];
    if (typeof v === 'number' && typeof have === 'number') into[k] = have + v;
    else if (v !== null && typeof v === 'object' && have !== null && typeof have === 'object' && k !== 'options') {
      addInto(have as Record<string, unknown>, v as Record<string, unknown>, `${path}.${k}`);
    } else if (stableJson(v) !== stableJson(have)) throw new Error(`${path}.${k} differs between groups`);
  }
}

type Merged = {
  results: ResultRow[]; rejected: PortalDoc[]; summary: RunSummary; suppliers: SupplierSummary[]; warnings: Issue[]; spanning: string[];
  /** Groups whose own rows are not in result order (a walk in GSTIN order takes each group's rows as they come). */
  unordered: number;
};

function byRiskThenGstin(a: SupplierSummary, b: SupplierSummary): number {
  return b.itcAtRisk - a.itcAtRisk || cmp(a.supplierGstin, b.supplierGstin);
}

/**
 * The groups' results as one. A supplier whose rows fall in several groups (a bill of entry's
 * supplier, documents without a GSTIN) is summed again from its rows in result order: its name is
 * the one its last portal row gives, and its share matched needs the available tax, which a
 * finished summary does not carry.
 */
function merge(parts: ReconcileResult[], options: Partial<MatchOptions>): Merged {
  const unordered = parts.filter((p) => p.results.some((r, i) => i > 0 && byResultOrder(p.results[i - 1]!, r) >= 0)).length;
  const results = parts.flatMap((p) => p.results).sort(byResultOrder);
  const rejected = parts.flatMap((p) => p.rejected).sort((x, y) => cmp(x.ref, y.ref));
  const warnings = parts.flatMap((p) => p.warnings).sort(byWarning);
  const summary = JSON.parse(JSON.stringify(parts[0]!.summary)) as RunSummary;
  for (const p of parts.slice(1)) addInto(summary as unknown as Record<string, unknown>, p.summary as unknown as Record<string, unknown>, 'summary');
  summary.warningCount = warnings.length;
  const byGstin = new Map<string, SupplierSummary[]>();
  for (const p of parts) for (const s of p.suppliers) byGstin.set(s.supplierGstin, [...(byGstin.get(s.supplierGstin) ?? []), s]);
  const spanning = [...byGstin].filter(([, list]) => list.length > 1).map(([g]) => g);
  const again = new Map(summariseSuppliers(results.filter((r) => spanning.includes(r.supplierGstin)), options.supplierSignals)
    .map((s) => [s.supplierGstin, s]));
  const suppliers = [...byGstin].map(([g, list]) => (list.length === 1 ? list[0]! : again.get(g)!)).sort(byRiskThenGstin);
  return { results, rejected, summary, suppliers, warnings, spanning, unordered };
}

/** Groups of PANs as a worker would take them: `buckets` hash buckets of groups (0: each group alone). */
function bucketOf(group: string, buckets: number): string {
  if (buckets === 0 || group === 'boe') return group;
  let h = 0;
  for (let i = 0; i < group.length; i += 1) h = (h * 31 + group.charCodeAt(i)) >>> 0;
  return `bucket:${h % buckets}`;
}

/**
 * `withEach`: documents added to every group (the FY case gives each group a document of the
 * run's earliest FY that pairs with nothing).
 */
function inGroups(books: readonly BooksRow[], portal: readonly PortalDoc[], options: Partial<MatchOptions>, buckets = 0,
  withEach: (group: string) => BooksRow[] = () => []): Merged & { groups: number } {
  const groups = new Map<string, { b: BooksRow[]; p: PortalDoc[] }>();
  const at = (k: string) => {
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { b: [], p: [] }));
    return g;
  };
  for (const d of books) at(bucketOf(groupOf(d.docType, d.supplierGstin), buckets)).b.push(d);
  for (const d of portal) at(bucketOf(groupOf(d.docType, d.supplierGstin), buckets)).p.push(d);
  const parts = [...groups].map(([k, g]) => reconcile([...g.b, ...withEach(k)], g.p, options));
  return { ...merge(parts, options), groups: groups.size };
}

/** What differs between the whole run and the merged groups, part by part (empty: nothing). */
function differences(whole: ReconcileResult, merged: Merged): string[] {
  const out: string[] = [];
  if (whole.results.length !== merged.results.length) out.push(`results: ${whole.results.length} rows whole, ${merged.results.length} in groups`);
  for (let i = 0; i < Math.min(whole.results.length, merged.results.length); i += 1) {
    const a = stableJson(whole.results[i]);
    const b = stableJson(merged.results[i]);
    if (a !== b) {
      out.push(`results[${i}]:\n  whole  ${a.slice(0, 600)}\n  groups ${b.slice(0, 600)}`);
      break;
    }
  }
  for (const part of ['rejected', 'summary', 'suppliers', 'warnings'] as const) {
    const a = stableJson(whole[part]);
    const b = stableJson(merged[part]);
    if (a !== b) {
      let at = 0;
      while (at < a.length && a[at] === b[at]) at += 1;
      out.push(`${part} first differs at character ${at}:\n  whole  …${a.slice(Math.max(0, at - 200), at + 200)}\n  groups …${b.slice(Math.max(0, at - 200), at + 200)}`);
    }
  }
  return out;
}

/** A shared machine runs these several times slower than a quiet one: a generous budget, no timing asserted. */
const BUDGET_MS = 600_000;

describe('reconcile in groups of suppliers (PAN, bills of entry) gives what the whole run gives', () => {
  it.each(GOLDEN_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { books, portal, options } = goldenInputs(c);
    const whole = reconcile(books, portal, options);
    const again = goldenInputs(c);
    // Each PAN alone at 2,000 and 5,000 documents; at 20,000, 24 buckets of PANs (a run costs a
    // few milliseconds however small, and hundreds of them would make the suite slow).
    const merged = inGroups(again.books, again.portal, again.options, c.n > 10_000 ? 24 : 0);
    expect(merged.groups).toBeGreaterThan(10);
    // Suppliers whose rows fall in two groups exist (rows without a GSTIN: bills of entry, books
    // rows out of scope), so the vendor view's merge is exercised.
    expect(merged.spanning).toContain('');
    expect(merged.unordered).toBe(0);
    expect(differences(whole, merged)).toEqual([]);
  }, BUDGET_MS);
});

describe('what is not local to a PAN: the FY slots are counted from the run\'s earliest FY', () => {
  it('one document dated 74 FYs before the rest changes other suppliers\' rows in the whole run, and in groups only when each is given that FY', () => {
    const c = GOLDEN_CASES.find((x) => x.fySpread)!;
    const { books, portal, options } = goldenInputs(c);
    const first = books.find((b) => b.docType === 'invoice' && panOf(checkGstin(b.supplierGstin).gstin) !== '')!;
    const pan = panOf(checkGstin(first.supplierGstin).gstin);
    // A year typed wrong: the readers take 1900–2999. Its FY (1950) becomes the run's earliest, and
    // every FY from 1950 + 62 on shares the last slot (match/docs.ts fySlotOf), so the exact-number
    // pass pairs across FYs for every supplier.
    const odd: BooksRow = { ...first, rowRef: 'pr.csv:typo', invoiceNumberRaw: 'TYPO/1', invoiceDate: '1950-06-01' };
    const whole = reconcile([...books, odd], portal, options);
    const without = reconcile(goldenInputs(c).books, goldenInputs(c).portal, options);
    const again = goldenInputs(c);
    const merged = inGroups([...again.books, { ...odd }], again.portal, again.options);
    const otherPan = (r: ResultRow) => panOf(r.supplierGstin) !== pan;
    const json = (rows: readonly ResultRow[]) => new Map(rows.filter(otherPan).map((r) => [r.id, stableJson(r)]));
    const wholeRows = json(whole.results);
    const withoutRows = json(without.results);
    const groupRows = json(merged.results);
    const changed = [...withoutRows].filter(([id, row]) => wholeRows.get(id) !== row).map(([id]) => id);
    process.stdout.write(`other suppliers' rows changed by one document of PAN ${pan} dated 1950: ${changed.length} of ${withoutRows.size}\n`);
    expect(changed.length).toBeGreaterThan(0);
    // In groups the other suppliers never see it: their rows are the run's without it.
    expect([...withoutRows].filter(([id, row]) => groupRows.get(id) !== row).map(([id]) => id)).toEqual([]);
    expect(groupRows.size).toBe(withoutRows.size);
    // Given the run's earliest FY (a books row of that FY without a GSTIN, out of scope, pairing
    // with nothing), every group pairs as the whole run does: the base is the one thing to pass.
    const base = (k: string): BooksRow[] => [{ ...odd, rowRef: `base:${k}`, supplierGstin: '', invoiceNumberRaw: 'BASE', igst: 0, cgst: 0, sgst: 0, cess: 0 }];
    const last = goldenInputs(c);
    const based = json(inGroups([...last.books, { ...odd }], last.portal, last.options, 0, base).results.filter((r) => !r.id.startsWith('base:')));
    expect([...wholeRows].filter(([id, row]) => based.get(id) !== row).map(([id]) => id)).toEqual([]);
    expect(based.size).toBe(wholeRows.size);
  }, BUDGET_MS);
});
