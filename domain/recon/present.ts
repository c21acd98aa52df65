/**
 * Result rows, supplier lines and run summaries as the API shows them: the engine keeps integer
 * paise, the API speaks rupees (numbers with up to 2 decimals). One place converts, so the JSON
 * view, the exports and the summary agree to the paisa.
 */
import type { Difference, HeadsTotal, ResultRow, SupplierSummary } from '.';
import type { BooksRow, PortalDoc } from './types';
import { shownRisk } from './risk-shown';

export const rupees = (paise: number): number => paise / 100;

/** Fields of a difference that are money (paise inside, rupees out). */
export const MONEY_FIELDS: ReadonlySet<string> = new Set(['taxableValue', 'igst', 'cgst', 'sgst', 'cess']);

export function presentBooks(b: BooksRow) {
  return {
    rowRef: b.rowRef,
    voucherNumber: b.voucherNumber ?? null,
    voucherDate: b.voucherDate ?? null,
    invoiceNumber: b.invoiceNumberRaw,
    invoiceDate: b.invoiceDate,
    docType: b.docType,
    taxableValue: rupees(b.taxableValue),
    igst: rupees(b.igst),
    cgst: rupees(b.cgst),
    sgst: rupees(b.sgst),
    cess: rupees(b.cess),
    invoiceValue: b.invoiceValue === undefined ? null : rupees(b.invoiceValue),
    placeOfSupply: b.placeOfSupply ?? null,
    reverseCharge: b.reverseCharge,
    itcEligible: b.itcEligible ?? true,
  };
}

export function presentPortal(p: PortalDoc) {
  return {
    ref: p.ref,
    section: p.section,
    period: p.period,
    invoiceNumber: p.numberRaw,
    invoiceDate: p.date,
    docType: p.docType,
    supplyType: p.supplyType ?? null,
    invoiceValue: rupees(p.invoiceValue),
    taxableValue: rupees(p.taxableValue),
    igst: rupees(p.igst),
    cgst: rupees(p.cgst),
    sgst: rupees(p.sgst),
    cess: rupees(p.cess),
    placeOfSupply: p.placeOfSupply ?? null,
    reverseCharge: p.reverseCharge,
    itcAvailable: p.itcAvailable,
    itcUnavailableReason: p.itcUnavailableReason ?? null,
    supplierPeriod: p.supplierPeriod ?? null,
    supplierFilingDate: p.supplierFilingDate ?? null,
    irn: p.irn ?? null,
    original: p.original ?? null,
  };
}

function presentDifference(d: Difference) {
  const money = MONEY_FIELDS.has(d.field);
  const convert = (v: Difference['books']) => (money && typeof v === 'number' ? rupees(v) : v);
  return { books: convert(d.books), portal: convert(d.portal), delta: d.delta === null ? null : money ? rupees(d.delta) : d.delta, material: d.material };
}

const headsTotal = (h: { igst: number; cgst: number; sgst: number; cess: number }) => rupees(h.igst + h.cgst + h.sgst + h.cess);

export function presentResult(row: ResultRow) {
  return {
    id: row.id,
    category: row.category,
    reason: row.reason,
    reasons: row.reasons,
    flags: row.flags,
    accepted: row.accepted,
    pass: row.pass,
    supplierGstin: row.supplierGstin,
    supplierName: row.supplierName,
    books: row.books ? presentBooks(row.books) : null,
    portal: row.portal ? presentPortal(row.portal) : null,
    differences: Object.fromEntries(row.differences.map((d) => [d.field, presentDifference(d)])),
    itc: { atRisk: headsTotal(shownRisk(row.itc.atRisk)), missed: headsTotal(row.itc.missed), matched: headsTotal(row.itc.matched), toConfirm: headsTotal(row.itc.toConfirm) },
    relatedRef: row.relatedRef ?? null,
    hints: row.hints,
    userStatus: row.userStatus ?? null,
    decisions: row.decisions ?? [],
  };
}

export function presentSupplier(s: SupplierSummary) {
  return {
    supplierGstin: s.supplierGstin,
    supplierName: s.supplierName,
    booksCounts: s.booksCounts,
    portalCounts: s.portalCounts,
    booksTaxable: rupees(s.booksTaxable),
    booksTax: rupees(s.booksTax),
    portalTaxable: rupees(s.portalTaxable),
    portalTax: rupees(s.portalTax),
    taxDifference: rupees(s.taxDifference),
    itcAtRisk: rupees(s.itcAtRisk),
    itcMissed: rupees(s.itcMissed),
    itcMatched: rupees(s.itcMatched),
    shareMatched: s.shareMatched,
    lastFilingDate: s.lastFilingDate,
    signals: s.signals,
  };
}

const presentHeads = (h: HeadsTotal) => ({ igst: rupees(h.igst), cgst: rupees(h.cgst), sgst: rupees(h.sgst), cess: rupees(h.cess), total: rupees(h.total) });

type StoredSummary = {
  run: {
    input: { booksRows: number; portalDocuments: number };
    books: Record<string, { count: number; taxable: number; tax: number }>;
    portal: Record<string, { count: number; taxable: number; tax: number }>;
    rejected: { count: number; taxable: number; tax: number };
    itc: Record<string, HeadsTotal>;
  };
  resultCounts: Record<string, number>;
  results: number;
  suppliers: number;
  warnings: unknown[];
  warningCount: number;
  durationMs: number;
};

const side = (t: Record<string, { count: number; taxable: number; tax: number }>) =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { count: v.count, taxable: rupees(v.taxable), tax: rupees(v.tax) }]));

export function presentSummary(stored: Record<string, unknown> | null) {
  if (!stored) return null;
  const s = stored as unknown as StoredSummary;
  const itc = Object.fromEntries(Object.entries(s.run.itc).map(([k, v]) => [k, presentHeads(v)]));
  return {
    counts: s.resultCounts,
    itcAtRisk: rupees(s.run.itc.atRisk?.total ?? 0),
    itcAvailable: rupees(s.run.itc.as2b?.total ?? 0),
    itcMissed: rupees(s.run.itc.missed?.total ?? 0),
    itcMatched: rupees(s.run.itc.matched?.total ?? 0),
    itc,
    input: s.run.input,
    books: side(s.run.books),
    portal: side(s.run.portal),
    rejectedInIms: { count: s.run.rejected.count, taxable: rupees(s.run.rejected.taxable), tax: rupees(s.run.rejected.tax) },
    results: s.results,
    suppliers: s.suppliers,
    warnings: s.warnings,
    warningCount: s.warningCount,
    durationMs: s.durationMs,
  };
}
