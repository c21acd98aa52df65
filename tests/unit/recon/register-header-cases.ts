/**
 * Registers that exercise the CSV reader's header search (register-csv.ts: the header line is
 * found in a buffered prefix, the title rows above it are handed to the sink from there, and the
 * stream is tokenized from the header line on): title blocks as Tally and Busy export them, odd
 * header texts, records wider than the header, quoted newlines, BOMs, line endings csv-parse reads
 * its own way, quotes never closed, headers past the search limit, prefixes that end inside a
 * quoted field. Each is read whole and in chunks of several sizes, and the whole read result is
 * reduced to one digest (register-header-search.test.ts pins them).
 *
 * Print the current digests with: npx tsx tests/unit/recon/register-header-cases.ts
 */
import { goldenDigest } from '../../../ops/bench/golden-digest';
import { readRegisterCsv } from '../../../domain/recon/register-reader';
import type { RegisterReadOptions, RegisterReadResult } from '../../../domain/recon/register-sink';

const GSTIN_A = '27AAPFU0939F1ZV';
const GSTIN_B = '29AABCT1332L1ZL';

export const TALLY_HEADER = 'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,Purchase @18%,Input CGST 9%,Input SGST 9%,Input IGST 18%,Round Off,Gross Total';

function tallyRow(i: number): string {
  return `0${1 + (i % 9)}-04-2024,"Alpha Metals, Pune",Purchase,${i},INV/24-25/${i},03/04/2024,${i % 2 ? GSTIN_A : GSTIN_B},"1,000.00",,90,90,,0.50,"1,180.50"`;
}

function rows(n: number, row: (i: number) => string = tallyRow): string[] {
  return Array.from({ length: n }, (_, i) => row(i + 1));
}

const TITLE = ['ACME Traders Pvt Ltd', '"Plot 4, MIDC, Pune"', 'Purchase Register', '1-Apr-2024 to 30-Apr-2024', ''];

export interface HeaderSearchCase {
  name: string;
  /** The file (a string is read as UTF-8). */
  file: string | Buffer;
  options?: RegisterReadOptions;
}

/** A register over 64 KB whose rows hold quoted newlines, so that most chunk cuts and the prefix's end fall inside or next to quotes. */
function longQuoted(newline: string, every = 3): string {
  return [...TITLE, TALLY_HEADER, ...rows(1_500, (i) => (i % every === 0
    ? `05-04-2024,"Beta ""Steel""${newline}Works",Purchase,${i},B-${i},05-04-2024,${GSTIN_B},100,,9,9,,,`
    : tallyRow(i)))].join(newline);
}

export const HEADER_SEARCH_CASES: readonly HeaderSearchCase[] = [
  { name: 'tally title block, CRLF', file: [...TITLE, TALLY_HEADER, ...rows(5)].join('\r\n') },
  { name: 'tally title block, LF', file: [...TITLE, TALLY_HEADER, ...rows(5)].join('\n') },
  { name: 'header on the first line', file: [TALLY_HEADER, ...rows(5)].join('\n') },
  { name: 'BOM, header on the first line', file: `\uFEFF${[TALLY_HEADER, ...rows(5)].join('\r\n')}` },
  { name: 'BOM, title block', file: `\uFEFF${[...TITLE, TALLY_HEADER, ...rows(5)].join('\r\n')}` },
  { name: 'BOM before a quoted title', file: `\uFEFF${['"ACME, Pune"', TALLY_HEADER, ...rows(3)].join('\n')}` },
  { name: 'quoted newline in the title block', file: ['ACME Traders', '"Plot 4,\nMIDC,\r\nPune"', '', TALLY_HEADER, ...rows(4)].join('\n') },
  { name: 'quoted newline in the title block, CRLF', file: ['ACME Traders', '"Plot 4,\r\nMIDC"', TALLY_HEADER, ...rows(4)].join('\r\n') },
  { name: 'quoted newline on the first line', file: ['"ACME\nTraders"', TALLY_HEADER, ...rows(4)].join('\n') },
  { name: 'quoted newline in a header cell', file: ['Company', TALLY_HEADER.replace('Voucher Ref. No.', '"Voucher Ref.\nNo."'), ...rows(4)].join('\n') },
  { name: 'quoted header cells with doubled quotes', file: ['Company', TALLY_HEADER.split(',').map((h) => `"${h.replace('Value', 'Value ""Rs""')}"`).join(','), ...rows(4)].join('\n') },
  { name: 'title records wider than the header', file: ['Company', `${'x,'.repeat(30)}y`, 'a,b,c', TALLY_HEADER, ...rows(4), `${'1,'.repeat(25)}2`].join('\n') },
  { name: 'wide records after a one-cell title', file: ['Company', TALLY_HEADER, ...rows(200).map((r, i) => (i % 7 === 0 ? `${r},extra,cells` : r))].join('\r\n') },
  {
    name: 'busy layout with a title',
    file: ['Busy Infosystems', 'Purchase Register', 'Date,Vch/Bill No,Account,GSTIN,Type,Amount,Bill No',
      `05-04-2024,77,Gamma,${GSTIN_A},L/GST-18%,"1,180.00",G-1`, `05-04-2024,78,Gamma,${GSTIN_A},I/GST-12%,112,G-2`].join('\r\n'),
  },
  {
    name: 'busy layout with a confirmed mapping',
    file: ['Date,Vch/Bill No,Account,GSTIN,Type,Amount', `05-04-2024,77,Gamma,${GSTIN_A},L/GST-18%,"1,180.00"`].join('\n'),
    options: { columnMap: { 'Vch/Bill No': 'invoiceNumber' } },
  },
  {
    name: 'odd header texts',
    file: ['Sr No,Party A/c Name,GSTIN/UIN of Supplier,Supplier Bill No.,Bill Date,₹ Taxable Value (Rs.),Integrated Tax Amount,CGST Amt,SGST/UTGST,Cess Amount,Invoice Value (INR)',
      `1,Alpha,${GSTIN_A},A-1,05-04-2024,100,18,,,,118`, `2,Beta,${GSTIN_B},B-1,06-04-2024,200,,18,18,,236`].join('\n'),
  },
  { name: 'a header-like title above the header', file: ['Invoice No,GSTIN,Taxable Value', 'Totals by supplier', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'blank lines above the header', file: ['', '', ',,,', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'header only', file: ['Company', TALLY_HEADER].join('\n') },
  { name: 'header only, ending in a newline', file: ['Company', TALLY_HEADER, ''].join('\r\n') },
  { name: 'no header at all', file: ['Company', 'Some report', 'a,b,c', '1,2,3'].join('\n') },
  { name: 'header on line 59', file: [...Array.from({ length: 58 }, (_, i) => `Title line ${i}`), TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'header on line 62', file: [...Array.from({ length: 61 }, (_, i) => `Title line ${i}`), TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'header on line 75', file: [...Array.from({ length: 74 }, (_, i) => `Title ${i},,x`), TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'header past a short search limit', file: [...TITLE, TALLY_HEADER, ...rows(3)].join('\n'), options: { headerSearchRows: 3 } },
  { name: 'header within a short search limit', file: ['Company', TALLY_HEADER, ...rows(3)].join('\n'), options: { headerSearchRows: 2 } },
  { name: 'row cap counted from the header', file: [...TITLE, TALLY_HEADER, ...rows(6)].join('\n'), options: { maxRows: 5 } },
  { name: 'cell cap', file: [...TITLE, TALLY_HEADER, ...rows(6)].join('\n'), options: { maxCells: 60 } },
  { name: 'quote never closed in the title block', file: ['Company', '"Plot 4, MIDC', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'quote never closed after the header', file: ['Company', TALLY_HEADER, ...rows(3), '05-04-2024,"Alpha,Purchase,9,I-9'].join('\n') },
  { name: 'relaxed quote in the title block', file: ['"ACME" Traders', 'x,"ab"c,d', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'relaxed quote after the header', file: ['Company', TALLY_HEADER, ...rows(2), `05-04-2024,"Al"pha,Purchase,9,I-9,05-04-2024,${GSTIN_A},100,,9,9,,,`, ...rows(2)].join('\n') },
  { name: 'quote inside an unquoted title cell', file: ['ACME "Best" Traders', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'bare CR line endings', file: [...TITLE, TALLY_HEADER, ...rows(3)].join('\r') },
  { name: 'LF title, CRLF rows', file: `${TITLE.join('\n')}\n${[TALLY_HEADER, ...rows(3)].join('\r\n')}` },
  { name: 'CRLF title, LF rows', file: `${TITLE.join('\r\n')}\r\n${[TALLY_HEADER, ...rows(3)].join('\n')}` },
  { name: 'bare CR in a title cell', file: ['ACME\rTraders', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'semicolons', file: ['Firma', 'Purchase Register;;Apr', TALLY_HEADER.replaceAll(',', ';'), '05-04-2024;Alpha;Purchase;1;I-1;05-04-2024;' + `${GSTIN_A};"1.000,00";;90;90;;;`].join('\n') },
  { name: 'semicolons given', file: ['Firma', TALLY_HEADER.replaceAll(',', ';'), `05-04-2024;Alpha;Purchase;1;I-1;05-04-2024;${GSTIN_A};1000;;90;90;;;`].join('\n'), options: { csvDelimiter: ';' } },
  { name: 'tabs', file: ['Firma', TALLY_HEADER.replaceAll(',', '\t'), `05-04-2024\tAlpha\tPurchase\t1\tI-1\t05-04-2024\t${GSTIN_A}\t"1,000"\t\t90\t90\t\t\t`].join('\r\n') },
  { name: 'pipes', file: ['Firma', TALLY_HEADER.replaceAll(',', '|'), `05-04-2024|Alpha|Purchase|1|I-1|05-04-2024|${GSTIN_A}|1000||90|90|||`].join('\n') },
  { name: 'multi-byte title', file: ['क्रय रजिस्टर — ₹ में', 'श्री गणेश ट्रेडर्स', TALLY_HEADER, ...rows(3)].join('\n') },
  { name: 'invalid UTF-8 in the title', file: Buffer.concat([Buffer.from('ACME '), Buffer.from([0xc3, 0x28, 0xa0]), Buffer.from(`\n${TALLY_HEADER}\n${rows(3).join('\n')}`)]) },
  { name: 'over 64 KB, quoted newlines, LF', file: longQuoted('\n') },
  { name: 'over 64 KB, quoted newlines, CRLF', file: longQuoted('\r\n') },
  { name: 'over 64 KB, a quoted newline in every row, row cap', file: longQuoted('\n', 1), options: { maxRows: 1_503 } },
  { name: 'over 64 KB, a quoted newline in every row, CRLF, row cap', file: longQuoted('\r\n', 1), options: { maxRows: 1_503 } },
  { name: 'over 64 KB, quote never closed near the end', file: `${longQuoted('\n')}\n05-04-2024,"open` },
  { name: 'repeated header and totals after the header', file: [...TITLE, TALLY_HEADER, ...rows(2), TALLY_HEADER, ...rows(2), 'Grand Total,,,,,,,"2,000.00"'].join('\r\n') },
];

/** The chunk sizes each case is read in (0: the whole file as one string or buffer). */
export const CHUNK_SIZES: readonly number[] = [0, 5, 61, 4_096, 65_536];

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export function readHeaderCase(c: HeaderSearchCase, chunkSize: number): Promise<RegisterReadResult> {
  const options = { source: 'h.csv', ...c.options };
  if (chunkSize === 0) return readRegisterCsv(c.file, options);
  return readRegisterCsv(chunks(typeof c.file === 'string' ? Buffer.from(c.file) : c.file, chunkSize), options);
}

/** The digest of the case's read result in every chunk size, `size:digest` joined with spaces. */
export async function headerCaseDigests(c: HeaderSearchCase): Promise<string> {
  const out: string[] = [];
  for (const size of CHUNK_SIZES) out.push(`${size}:${goldenDigest(await readHeaderCase(c, size)).slice(0, 16)}`);
  return out.join(' ');
}

if (require.main === module) {
  void (async () => {
    for (const c of HEADER_SEARCH_CASES) {
      const r = await readHeaderCase(c, 0);
      process.stdout.write(`  // ${r.ok ? 'ok' : 'refused'}, header line ${r.mapping[0]?.headerLine ?? '-'}, ${r.rows.length} rows, skipped ${JSON.stringify(r.skipped)}, errors ${r.errors.map((e) => e.code).join(' ') || '-'}\n`);
      process.stdout.write(`  ${JSON.stringify(c.name)}: ${JSON.stringify(await headerCaseDigests(c))},\n`);
    }
  })();
}
