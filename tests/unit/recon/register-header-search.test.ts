/**
 * The CSV register reader's header search (register-csv.ts), pinned: for every case of
 * register-header-cases.ts (Tally and Busy title blocks, odd headers, wide records, quoted
 * newlines, BOMs, line endings, quotes never closed, headers past the search limit, prefixes that
 * end inside quotes), read whole and in chunks of several sizes, the digest of the whole read
 * result (rows, issues, mapping, counts, title text), which must be the whole file's in every
 * chunk size. The digests were recorded from the reader whose header search ran csv-parse on the
 * buffered prefix, read whole, before the search was made cheaper (issue 26), so a cheaper search
 * cannot change what a file reads as; reads in chunks once differed from them (the delimiter and
 * the header search's prefix came from the first chunks), and now may not.
 *
 * If a change of behaviour is intended, print new digests
 * (`npx tsx tests/unit/recon/register-header-cases.ts`) and say in the commit which rule changed.
 */
import { goldenDigest } from '../../../ops/bench/golden-digest';
import { CHUNK_SIZES, HEADER_SEARCH_CASES, headerCaseDigests, readHeaderCase } from './register-header-cases';

const EXPECTED: Record<string, string> = {
  // ok, header line 6, 5 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "tally title block, CRLF": "dc3c0337ab714bfc",
  // ok, header line 6, 5 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "tally title block, LF": "dc3c0337ab714bfc",
  // ok, header line 1, 5 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "header on the first line": "b970f75b7fa26714",
  // ok, header line 1, 5 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "BOM, header on the first line": "b970f75b7fa26714",
  // ok, header line 6, 5 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "BOM, title block": "dc3c0337ab714bfc",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "BOM before a quoted title": "e8c4a705a90a36cf",
  // ok, header line 7, 4 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "quoted newline in the title block": "fbbbd1782c7b840e",
  // ok, header line 5, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "quoted newline in the title block, CRLF": "5a3ee899de097bd4",
  // ok, header line 3, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "quoted newline on the first line": "ddca7ce31cbfd76d",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":5,"nonPurchase":0}, errors no_header
  "quoted newline in a header cell": "8f6cbf8adbb126ab",
  // ok, header line 2, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "quoted header cells with doubled quotes": "2c29c8cf001f8a36",
  // ok, header line 4, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":3,"nonPurchase":0}, errors missing_date
  "title records wider than the header": "a8f2929c096d7e58",
  // ok, header line 2, 200 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "wide records after a one-cell title": "1fb2951b2c18f066",
  // ok, header line 3, 2 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  // Read as before the Bill-No-beside-Vch/Bill-No rule (f09d5a84a3a423f5), plus the warning
  // ambiguous_invoice_number_column (pinned alone below).
  "busy layout with a title": "65585cab63683eed",
  // ok, header line 1, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "busy layout with a confirmed mapping": "6699f9d09965442f",
  // ok, header line 1, 2 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "odd header texts": "df400c62308d6326",
  // ok, header line 3, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "a header-like title above the header": "aa8ed50960d6dca3",
  // ok, header line 4, 3 rows, skipped {"blank":3,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "blank lines above the header": "c672777edcbe7540",
  // ok, header line 2, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "header only": "9a26796c83934855",
  // ok, header line 2, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "header only, ending in a newline": "9a26796c83934855",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header
  "no header at all": "02ce89221e03e61f",
  // ok, header line 59, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":58,"nonPurchase":0}, errors -
  "header on line 59": "79a98acc62c1f367",
  // refused, header line 62, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":61,"nonPurchase":0}, errors no_header no_header
  "header on line 62": "78c30d3985cdbb38",
  // refused, header line 75, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":74,"nonPurchase":0}, errors no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header
  "header on line 75": "b069eea3eb89ffd7",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header no_header
  "header past a short search limit": "5e349955c0019722",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "header within a short search limit": "410a441874afe4ff",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_rows
  "row cap counted from the header": "f5b8aabfb230bc70",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_cells
  "cell cap": "4143dc81fb1c15f0",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header
  "quote never closed in the title block": "1e227e862671dd7d",
  // refused, header line 2, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors invalid_csv
  "quote never closed after the header": "535fe30b10d6c0e6",
  // ok, header line 3, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "relaxed quote in the title block": "bcf62ff5c9b6a346",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "relaxed quote after the header": "f194b25b8d75d431",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "quote inside an unquoted title cell": "e0650c31a6aca732",
  // ok, header line 6, 3 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "bare CR line endings": "0941b1d170205a71",
  // refused, header line -, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":7,"nonPurchase":0}, errors no_header
  "LF title, CRLF rows": "60169717872241ff",
  // refused, header line -, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header
  "CRLF title, LF rows": "a6c67ab01d9c3897",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors no_header
  "bare CR in a title cell": "4b5a4651ea431952",
  // ok, header line 3, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors invalid_amount
  "semicolons": "6118435fabbb4f7e",
  // ok, header line 2, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "semicolons given": "bd82df9026930c21",
  // ok, header line 2, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "tabs": "bd82df9026930c21",
  // ok, header line 2, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "pipes": "bd82df9026930c21",
  // ok, header line 3, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "multi-byte title": "491bc2aa54e9ecee",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "invalid UTF-8 in the title": "7472eb741e59562b",
  // ok, header line 6, 1500 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "over 64 KB, quoted newlines, LF": "181eb4b631949fc3",
  // ok, header line 6, 1500 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "over 64 KB, quoted newlines, CRLF": "6964b08f2a37d1d7",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_rows
  "over 64 KB, a quoted newline in every row, row cap": "f31e8dd18cf0db40",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_rows
  "over 64 KB, a quoted newline in every row, CRLF, row cap": "eccb99a5d768e1c9",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors invalid_csv
  "over 64 KB, quote never closed near the end": "c47c15408c7e317e",
  // ok, header line 6, 2 rows, skipped {"blank":1,"totals":1,"repeatedHeaders":1,"titleRows":4,"nonPurchase":0}, errors -
  "repeated header and totals after the header": "67588d3595a3eaac",
};

describe('register CSV header search', () => {
  it('has a recorded digest for every case', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(HEADER_SEARCH_CASES.map((c) => c.name).sort());
  });

  it.each(HEADER_SEARCH_CASES.map((c) => [c.name, c] as const))('%s reads like the whole file in every chunk size', async (name, c) => {
    expect(await headerCaseDigests(c)).toBe(CHUNK_SIZES.map((size) => `${size}:${EXPECTED[name]}`).join(' '));
  });

  it('reads Busy\'s Vch/Bill No beside a plain Bill No as before that rule, first filled column wins, and warns', async () => {
    const r = await readHeaderCase(HEADER_SEARCH_CASES.find((c) => c.name === 'busy layout with a title')!, 0);
    const warning = r.warnings.filter((w) => w.code === 'ambiguous_invoice_number_column');
    expect(warning).toEqual([{ code: 'ambiguous_invoice_number_column', line: 3, message: expect.stringContaining('"Vch/Bill No" is taken where it is filled, else "Bill No"') }]);
    // Without the warning, the read result is the digest recorded before the rule (commit 5dd242a).
    expect(goldenDigest({ ...r, warnings: r.warnings.filter((w) => w.code !== 'ambiguous_invoice_number_column') }).slice(0, 16)).toBe('f09d5a84a3a423f5');
  });

  it('finds a Tally header below its title block and keeps the title', async () => {
    const r = await readHeaderCase(HEADER_SEARCH_CASES.find((c) => c.name === 'tally title block, CRLF')!, 61);
    expect({ ok: r.ok, headerLine: r.mapping[0]?.headerLine, rows: r.rows.length, skipped: r.skipped, titleText: r.titleText }).toEqual({
      ok: true, headerLine: 6, rows: 5, skipped: { blank: 1, totals: 0, repeatedHeaders: 0, titleRows: 4, nonPurchase: 0 },
      titleText: ['ACME Traders Pvt Ltd', 'Plot 4, MIDC, Pune', 'Purchase Register', '1-Apr-2024 to 30-Apr-2024'],
    });
  });

  it('reads a header behind a BOM as its first cell without the BOM', async () => {
    const r = await readHeaderCase(HEADER_SEARCH_CASES.find((c) => c.name === 'BOM, header on the first line')!, 5);
    expect(r.mapping[0]?.columns[0]).toEqual({ column: 0, header: 'Date', field: 'voucherDate' });
  });

  it('refuses a file whose header comes after the rows it searches', async () => {
    const r = await readHeaderCase(HEADER_SEARCH_CASES.find((c) => c.name === 'header on line 62')!, 4_096);
    expect({ ok: r.ok, errors: [...new Set(r.errors.map((e) => e.code))] }).toEqual({ ok: false, errors: ['no_header'] });
  });
});
