/**
 * The layout of the portal's GSTR-2B and GSTR-2A Excel downloads (docs/reconciliation.md,
 * "Inputs"): which sheet holds which section, what each column heading means in the portal JSON's
 * own field names, and how the Excel spells values the JSON codes (Yes/No, state names, `May'25`,
 * "Credit Note"). The Excel reader (portal-xlsx.ts) turns rows into the JSON's supplier entries
 * with these, so both files of one return go through the same document reader.
 */
import { type DateSystem, mmyyyyFromPeriod, parseDate, periodFromMonthName } from './dates';
import { HEADING_MAX, headingKey } from './register-header';

export type PortalForm = '2A' | '2B';

/** Sheet name → 2B JSON section (2A sections are renamed at the end). Compared without spaces and dashes. */
const SHEET_SECTIONS: Readonly<Record<string, string>> = {
  b2b: 'b2b', b2ba: 'b2ba', b2bcdnr: 'cdnr', cdnr: 'cdnr', b2bcdnra: 'cdnra', cdnra: 'cdnra',
  eco: 'ecom', ecom: 'ecom', ecoa: 'ecoma', ecoma: 'ecoma', isd: 'isd', isda: 'isda',
  impg: 'impg', impgsez: 'impgsez', tds: 'tds', tdsa: 'tds', tcs: 'tcs',
};

/** Sheets only the 2B download has (its summaries), and only the 2A download has. */
const ONLY_2B = new Set(['itcavailable', 'itcnotavailable', 'itcreversal', 'itcrejected', 'b2bcdnr', 'b2bcdnra', 'eco', 'ecoa']);
const ONLY_2A = new Set(['cdnr', 'cdnra', 'tds', 'tdsa', 'tcs']);

function sheetKey(name: string): string {
  return name.toLowerCase().replace(/\(.*?\)/g, '').replace(/[^a-z0-9]/g, '');
}

/** The section a sheet holds, and whether it lists documents the recipient rejected in IMS. */
export function sheetSection(name: string): { section: string; rejected: boolean } | null {
  const section = SHEET_SECTIONS[sheetKey(name)];
  return section ? { section, rejected: /reject/i.test(name) } : null;
}

/**
 * Whether a workbook's sheet names are those of a portal download (a B2B sheet and another
 * section or summary sheet), and of which return when the names tell.
 */
export function portalWorkbook(sheetNames: readonly string[]): { portal: boolean; form: PortalForm | null } {
  const keys = sheetNames.map(sheetKey);
  const known = keys.filter((k) => k in SHEET_SECTIONS || ONLY_2B.has(k) || k === 'readme');
  const portal = keys.includes('b2b') && known.length >= 2;
  const form = keys.some((k) => ONLY_2B.has(k)) ? '2B' : keys.some((k) => ONLY_2A.has(k)) ? '2A' : null;
  return { portal, form: portal ? form : null };
}

/** Which return a title text names (`GSTR-2B`, `GSTR 2A`…), if any. */
export function formInText(text: string): PortalForm | null {
  // One way to read the spaces around the dash (`\s*[-–]?\s*` read a run of spaces two ways, and
  // a title cell of "GSTR" and 40,000 spaces cost over a second).
  const m = /gstr\s*(?:[-–]\s*)?2\s*([ab])\b/i.exec(text);
  return m ? (`2${m[1]!.toUpperCase()}` as PortalForm) : null;
}

/** Where a field lives in the JSON: on the supplier entry, the document, or its item lines. */
export type FieldLevel = 'supplier' | 'doc' | 'item';
export type PortalField = { field: string; level: FieldLevel };

/** Column heading (normalised) → 2B JSON field. Headings under an "Original details" group use ORIGINAL. */
const HEADINGS: ReadonlyArray<[string[], string, FieldLevel]> = [
  [['gstin of supplier', 'gstin of isd', 'gstin of the supplier', 'gstin of sez supplier'], 'ctin', 'supplier'],
  [['trade legal name', 'trade legal name of the supplier', 'trade legal name of the isd', 'trade name', 'legal name'], 'trdnm', 'supplier'],
  [['invoice number'], 'inum', 'doc'],
  [['note number', 'credit note debit note number'], 'ntnum', 'doc'],
  [['document number', 'isd document number'], 'docnum', 'doc'],
  [['bill of entry number'], 'boenum', 'doc'],
  [['invoice type'], 'typ', 'doc'],
  [['note type', 'credit note debit note type'], 'typ', 'doc'],
  [['note supply type', 'supply type'], 'suptyp', 'doc'],
  [['document type', 'isd document type'], 'doctyp', 'doc'],
  [['invoice date', 'note date', 'credit note debit note date'], 'dt', 'doc'],
  [['document date', 'isd document date'], 'docdt', 'doc'],
  [['bill of entry date'], 'boedt', 'doc'],
  [['invoice value', 'note value', 'credit note debit note value'], 'val', 'doc'],
  [['place of supply'], 'pos', 'doc'],
  [['supply attract reverse charge', 'reverse charge'], 'rev', 'doc'],
  [['rate %', 'rate'], 'rt', 'item'],
  [['taxable value'], 'txval', 'item'],
  [['integrated tax'], 'igst', 'item'],
  [['central tax'], 'cgst', 'item'],
  [['state ut tax'], 'sgst', 'item'],
  [['cess'], 'cess', 'item'],
  [['itc availability'], 'itcavl', 'doc'],
  [['eligibility of itc', 'itc eligibility'], 'itcelg', 'doc'],
  [['reason'], 'rsn', 'doc'],
  [['applicable % of tax rate', 'applicable of tax rate'], 'diffprcnt', 'doc'],
  [['source'], 'srctyp', 'doc'],
  [['irn'], 'irn', 'doc'],
  [['irn date'], 'irngendate', 'doc'],
  [['port code'], 'portcode', 'doc'],
  [['icegate reference date'], 'refdt', 'doc'],
  [['amended yes', 'amended', 'amended yes no'], 'isamd', 'doc'],
  [['original invoice number'], 'oinvnum', 'doc'],
  [['original invoice date'], 'oinvdt', 'doc'],
  // The supplier's own return: GSTR-1/IFF/GSTR-5 period and filing date (2B); 2A adds its statuses.
  [['gstr 1 iff gstr 5 period', 'gstr 1 iff gstr 1a gstr 5 period', 'gstr 1 5 period', 'gstr 1 5 filing period', 'gstr 1 iff gstr 5 filing period'], 'supprd', 'supplier'],
  [['gstr 1 iff gstr 5 filing date', 'gstr 1 iff gstr 1a gstr 5 filing date', 'gstr 1 5 filing date'], 'supfildt', 'supplier'],
  [['gstr 1 iff gstr 5 filing status', 'gstr 1 5 filing status'], 'cfs', 'supplier'],
  [['gstr 3b filing status'], 'cfs3b', 'supplier'],
  [['effective date of cancellation'], 'dtcancel', 'supplier'],
];
const ORIGINAL: Readonly<Record<string, string>> = { inum: 'oinum', dt: 'oidt', ntnum: 'ontnum', typ: 'onttyp', docnum: 'odocnum', docdt: 'odocdt', doctyp: 'odoctyp' };
const HEADING_MAP: ReadonlyMap<string, PortalField> = new Map(
  HEADINGS.flatMap(([names, field, level]) => names.map((n) => [n, { field, level }] as [string, PortalField])),
);

/**
 * What a column of `section` means, from its heading and the group heading above it (`Original
 * details` → the original's fields; a note's original date is `ontdt`, an invoice's `oidt`).
 */
export function portalField(heading: string, group: string, section: string): PortalField | null {
  const found = HEADING_MAP.get(headingKey(heading));
  if (!found) return null;
  // A group heading is a heading too: a cell over HEADING_MAX above a row of headings is not searched once per heading.
  if (group.length <= HEADING_MAX && /original/i.test(group) && ORIGINAL[found.field]) {
    const field = found.field === 'dt' && section.startsWith('cdn') ? 'ontdt' : ORIGINAL[found.field]!;
    return { field, level: 'doc' };
  }
  return found;
}

/** The fields that name a section's document: a row without one is not a document. */
export const NUMBER_FIELDS: ReadonlySet<string> = new Set(['inum', 'ntnum', 'docnum', 'boenum']);

const INVOICE_TYPES: ReadonlyArray<[RegExp, string]> = [
  [/^regular|^r$/i, 'R'], [/sez.*without/i, 'SEZWOP'], [/sez/i, 'SEZWP'], [/deemed/i, 'DE'], [/intra.*igst|^cbw$/i, 'CBW'],
];

const yesNo = (v: string) => (/^y(es)?$/i.test(v) ? 'Y' : /^n(o)?$/i.test(v) ? 'N' : v);

/** DD-MM-YYYY, the JSON's date form, for a date cell or text (text the date parser cannot read stays as it is). */
function jsonDate(v: unknown, system: DateSystem): unknown {
  const d = parseDate(v, system);
  if (!d.ok) return v;
  return `${d.iso.slice(8, 10)}-${d.iso.slice(5, 7)}-${d.iso.slice(0, 4)}`;
}

/**
 * A cell of a column as the JSON writes that field (`Yes` → `Y`, `May'25` → `052025`, `Credit Note` → `C`, 65 % → 0.65…);
 * a date serial counts in the workbook's date system.
 */
export function jsonValue(field: string, v: unknown, system: DateSystem = '1900'): unknown {
  if (v === null || v === undefined) return undefined;
  const text = v instanceof Date ? '' : String(v).trim();
  if (!(v instanceof Date) && text === '') return undefined;
  switch (field) {
    case 'dt': case 'oidt': case 'ontdt': case 'docdt': case 'odocdt': case 'boedt': case 'refdt': case 'irngendate':
    case 'supfildt': case 'oinvdt': case 'dtcancel':
      return jsonDate(v, system);
    case 'rev': case 'itcavl': case 'itcelg': case 'isamd': case 'cfs': case 'cfs3b':
      return /^temp/i.test(text) ? 'T' : yesNo(text);
    case 'supprd': {
      const p = periodFromMonthName(text);
      return p ? mmyyyyFromPeriod(p) : text;
    }
    case 'typ':
    case 'onttyp': {
      if (/^credit/i.test(text)) return 'C';
      if (/^debit/i.test(text)) return 'D';
      return INVOICE_TYPES.find(([re]) => re.test(text))?.[1] ?? text;
    }
    case 'suptyp':
      return INVOICE_TYPES.find(([re]) => re.test(text))?.[1] ?? text;
    case 'doctyp': case 'odoctyp':
      return /credit/i.test(text) ? 'ISDC' : /invoice/i.test(text) ? 'ISDI' : text;
    case 'rsn':
      // The Excel spells the reason out; the JSON codes it (P: place of supply, C: after the cut-off).
      return /cut[\s-]*off|time[\s-]*barred|16\s*\(4\)/i.test(text) ? 'C' : /\bpos\b|place of supply|state/i.test(text) ? 'P' : text;
    case 'diffprcnt': {
      const n = typeof v === 'number' ? v : Number(text.replace('%', ''));
      if (!Number.isFinite(n)) return text;
      return n > 1 ? n / 100 : n;
    }
    case 'inum': case 'ntnum': case 'docnum': case 'boenum': case 'oinum': case 'ontnum': case 'odocnum': case 'oinvnum': case 'portcode': case 'irn':
      return text;
    default:
      return typeof v === 'number' ? v : text;
  }
}

/** 2B field names → 2A's, per document kind (docs/reconciliation.md, "Inputs": 2A names the same facts otherwise). */
const TO_2A_DOC: Readonly<Record<string, string>> = { dt: 'idt', rev: 'rchrg', typ: 'inv_typ', diffprcnt: 'diff_percent', oidt: 'oidt', oinum: 'oinum' };
const TO_2A_NOTE: Readonly<Record<string, string>> = { dt: 'nt_dt', ntnum: 'nt_num', typ: 'ntty', rev: 'rchrg', ontnum: 'ont_num', ontdt: 'ont_dt' };
const TO_2A_BOE: Readonly<Record<string, string>> = { boenum: 'benum', boedt: 'bedt', portcode: 'portcd', isamd: 'amd', igst: 'iamt', cess: 'csamt' };
const TO_2A_ITEM: Readonly<Record<string, string>> = { igst: 'iamt', cgst: 'camt', sgst: 'samt', cess: 'csamt' };
const TO_2A_SECTION: Readonly<Record<string, string>> = { cdnr: 'cdn', cdnra: 'cdna' };

type Obj = Record<string, unknown>;
const rename = (o: Obj, names: Readonly<Record<string, string>>): Obj => Object.fromEntries(Object.entries(o).map(([k, v]) => [names[k] ?? k, v]));

/** A 2B-shaped supplier entry (or bill of entry) of `section` as the 2A JSON writes it. */
export function as2a(section: string, entry: Obj): { section: string; entry: Obj } {
  const name = TO_2A_SECTION[section] ?? section;
  if (section === 'impg') return { section: name, entry: rename(entry, TO_2A_BOE) };
  if (section === 'impgsez') {
    const { ctin, trdnm, boe, ...rest } = entry;
    return { section: name, entry: { ...rest, sgstin: ctin, tdname: trdnm, boe: (boe as Obj[]).map((b) => rename(b, TO_2A_BOE)) } };
  }
  const list = section === 'cdnr' || section === 'cdnra' ? 'nt' : section.startsWith('isd') ? 'doclist' : 'inv';
  const docs = ((entry[list] as Obj[] | undefined) ?? []).map((d) => {
    const { items, ...rest } = d;
    // Amounts given on the document itself (no item lines) take the item names, as in 2A's flat documents.
    const doc = rename(rest, { ...(list === 'nt' ? TO_2A_NOTE : TO_2A_DOC), ...TO_2A_ITEM });
    if (Array.isArray(items)) doc.itms = (items as Obj[]).map((it) => ({ num: it.num, itm_det: rename(it, TO_2A_ITEM) }));
    return doc;
  });
  return { section: name, entry: { ...entry, [list]: docs } };
}

/** Headings only the portal's downloads write (group headings included). */
const PORTAL_HEADINGS: ReadonlySet<string> = new Set([
  'gstin of supplier', 'trade legal name', 'supply attract reverse charge', 'itc availability', 'invoice details', 'tax amount',
  'note details', 'credit note debit note details', 'gstr 1 iff gstr 5 period', 'gstr 1 iff gstr 5 filing date',
  'applicable % of tax rate', 'gstr 1 5 filing status', 'gstr 3b filing status',
]);

/**
 * Whether a tabular file's header and title texts are a portal download's: the return when a title
 * names it, 'unknown' when at least two headings only the portal writes appear, else null.
 */
export function portalLook(texts: Iterable<string>): PortalForm | 'unknown' | null {
  let hits = 0;
  let form: PortalForm | null = null;
  for (const t of texts) {
    form ??= formInText(t);
    if (PORTAL_HEADINGS.has(headingKey(t))) hits += 1;
  }
  return form ?? (hits >= 2 ? 'unknown' : null);
}
