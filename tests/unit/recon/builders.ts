/** Fixture builders for the recon tests: synthetic GSTINs with valid check characters. */
import { gstinCheckCharacter } from '../../../domain/gstin';
import type { BooksRow, PortalDoc } from '../../../domain/recon';

export function gstin(first14: string): string {
  return first14 + gstinCheckCharacter(first14);
}

/** Maharashtra company, its Karnataka branch (same PAN), a Delhi individual, a Tamil Nadu firm. */
export const SUP_A = gstin('27AAJCM4455Q1Z');
export const SUP_A_KA = gstin('29AAJCM4455Q1Z');
export const SUP_B = gstin('07BQWPS9876K1Z');
export const SUP_C = gstin('33AAGFT2468L2Z');
export const CLIENT = gstin('27ABCDE1234F1Z');

/** Same first 14 characters as SUP_A with a wrong check character (a typo). */
export const SUP_A_TYPO = SUP_A.slice(0, 14) + (SUP_A.endsWith('A') ? 'B' : 'A');

let seq = 0;

export function book(over: Partial<BooksRow> = {}): BooksRow {
  seq += 1;
  return {
    rowRef: `books:${String(seq).padStart(6, '0')}`,
    supplierGstin: SUP_A,
    supplierName: 'Alpha Metals',
    docType: 'invoice',
    invoiceNumberRaw: 'INV-1',
    invoiceDate: '2024-06-05',
    taxableValue: 100_000_00,
    igst: 18_000_00,
    cgst: 0,
    sgst: 0,
    cess: 0,
    reverseCharge: false,
    placeOfSupply: '27',
    ...over,
  };
}

export function doc(over: Partial<PortalDoc> = {}): PortalDoc {
  seq += 1;
  return {
    ref: `2024-06:b2b:${String(seq).padStart(6, '0')}`,
    section: 'b2b',
    period: '2024-06',
    supplierGstin: SUP_A,
    supplierName: 'ALPHA METALS PVT LTD',
    docType: 'invoice',
    numberRaw: 'INV-1',
    date: '2024-06-05',
    invoiceValue: 118_000_00,
    taxableValue: 100_000_00,
    igst: 18_000_00,
    cgst: 0,
    sgst: 0,
    cess: 0,
    placeOfSupply: '27',
    reverseCharge: false,
    itcAvailable: true,
    diffPercent: 1,
    ...over,
  };
}

/** The portal twin of a books row (same document as the supplier would report it). */
export function twin(b: BooksRow, over: Partial<PortalDoc> = {}): PortalDoc {
  return doc({
    supplierGstin: b.supplierGstin,
    docType: b.docType,
    numberRaw: b.invoiceNumberRaw,
    date: b.invoiceDate,
    taxableValue: b.taxableValue,
    igst: b.igst,
    cgst: b.cgst,
    sgst: b.sgst,
    cess: b.cess,
    placeOfSupply: b.placeOfSupply,
    reverseCharge: b.reverseCharge,
    section: b.docType === 'credit_note' || b.docType === 'debit_note' ? 'cdnr' : 'b2b',
    ...over,
  });
}
