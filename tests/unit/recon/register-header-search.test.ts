/**
 * The CSV register reader's header search (register-csv.ts), pinned: for every case of
 * register-header-cases.ts (Tally and Busy title blocks, odd headers, wide records, quoted
 * newlines, BOMs, line endings, quotes never closed, headers past the search limit, prefixes that
 * end inside quotes), read whole and in chunks of several sizes, the digest of the whole read
 * result (rows, issues, mapping, counts, title text). The digests were recorded from the reader
 * whose header search ran csv-parse on the buffered prefix, before the search was made cheaper
 * (issue 26), so a cheaper search cannot change what a file reads as.
 *
 * If a change of behaviour is intended, print new digests
 * (`npx tsx tests/unit/recon/register-header-cases.ts`) and say in the commit which rule changed.
 */
import { HEADER_SEARCH_CASES, headerCaseDigests, readHeaderCase } from './register-header-cases';

const EXPECTED: Record<string, string> = {
  // ok, header line 6, 5 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "tally title block, CRLF": "0:dc3c0337ab714bfc 5:dc3c0337ab714bfc 61:dc3c0337ab714bfc 4096:dc3c0337ab714bfc 65536:dc3c0337ab714bfc",
  // ok, header line 6, 5 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "tally title block, LF": "0:dc3c0337ab714bfc 5:dc3c0337ab714bfc 61:dc3c0337ab714bfc 4096:dc3c0337ab714bfc 65536:dc3c0337ab714bfc",
  // ok, header line 1, 5 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "header on the first line": "0:b970f75b7fa26714 5:b970f75b7fa26714 61:b970f75b7fa26714 4096:b970f75b7fa26714 65536:b970f75b7fa26714",
  // ok, header line 1, 5 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "BOM, header on the first line": "0:b970f75b7fa26714 5:b970f75b7fa26714 61:b970f75b7fa26714 4096:b970f75b7fa26714 65536:b970f75b7fa26714",
  // ok, header line 6, 5 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "BOM, title block": "0:dc3c0337ab714bfc 5:dc3c0337ab714bfc 61:dc3c0337ab714bfc 4096:dc3c0337ab714bfc 65536:dc3c0337ab714bfc",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "BOM before a quoted title": "0:e8c4a705a90a36cf 5:e8c4a705a90a36cf 61:e8c4a705a90a36cf 4096:e8c4a705a90a36cf 65536:e8c4a705a90a36cf",
  // ok, header line 7, 4 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "quoted newline in the title block": "0:fbbbd1782c7b840e 5:fbbbd1782c7b840e 61:fbbbd1782c7b840e 4096:fbbbd1782c7b840e 65536:fbbbd1782c7b840e",
  // ok, header line 5, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "quoted newline in the title block, CRLF": "0:5a3ee899de097bd4 5:5a3ee899de097bd4 61:5a3ee899de097bd4 4096:5a3ee899de097bd4 65536:5a3ee899de097bd4",
  // ok, header line 3, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "quoted newline on the first line": "0:ddca7ce31cbfd76d 5:ddca7ce31cbfd76d 61:ddca7ce31cbfd76d 4096:ddca7ce31cbfd76d 65536:ddca7ce31cbfd76d",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":5,"nonPurchase":0}, errors no_header
  "quoted newline in a header cell": "0:8f6cbf8adbb126ab 5:8f6cbf8adbb126ab 61:8f6cbf8adbb126ab 4096:8f6cbf8adbb126ab 65536:8f6cbf8adbb126ab",
  // ok, header line 2, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "quoted header cells with doubled quotes": "0:2c29c8cf001f8a36 5:2c29c8cf001f8a36 61:2c29c8cf001f8a36 4096:2c29c8cf001f8a36 65536:2c29c8cf001f8a36",
  // ok, header line 4, 4 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":3,"nonPurchase":0}, errors missing_date
  "title records wider than the header": "0:a8f2929c096d7e58 5:a8f2929c096d7e58 61:a8f2929c096d7e58 4096:a8f2929c096d7e58 65536:a8f2929c096d7e58",
  // ok, header line 2, 200 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "wide records after a one-cell title": "0:1fb2951b2c18f066 5:1fb2951b2c18f066 61:1fb2951b2c18f066 4096:1fb2951b2c18f066 65536:1fb2951b2c18f066",
  // ok, header line 3, 2 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "busy layout with a title": "0:f09d5a84a3a423f5 5:f09d5a84a3a423f5 61:f09d5a84a3a423f5 4096:f09d5a84a3a423f5 65536:f09d5a84a3a423f5",
  // ok, header line 1, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "busy layout with a confirmed mapping": "0:6699f9d09965442f 5:6699f9d09965442f 61:6699f9d09965442f 4096:6699f9d09965442f 65536:6699f9d09965442f",
  // ok, header line 1, 2 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "odd header texts": "0:df400c62308d6326 5:df400c62308d6326 61:df400c62308d6326 4096:df400c62308d6326 65536:df400c62308d6326",
  // ok, header line 3, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "a header-like title above the header": "0:aa8ed50960d6dca3 5:aa8ed50960d6dca3 61:aa8ed50960d6dca3 4096:aa8ed50960d6dca3 65536:aa8ed50960d6dca3",
  // ok, header line 4, 3 rows, skipped {"blank":3,"totals":0,"repeatedHeaders":0,"titleRows":0,"nonPurchase":0}, errors -
  "blank lines above the header": "0:c672777edcbe7540 5:c672777edcbe7540 61:c672777edcbe7540 4096:c672777edcbe7540 65536:c672777edcbe7540",
  // ok, header line 2, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "header only": "0:9a26796c83934855 5:9a26796c83934855 61:9a26796c83934855 4096:9a26796c83934855 65536:9a26796c83934855",
  // ok, header line 2, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "header only, ending in a newline": "0:9a26796c83934855 5:9a26796c83934855 61:9a26796c83934855 4096:9a26796c83934855 65536:9a26796c83934855",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header
  "no header at all": "0:02ce89221e03e61f 5:02ce89221e03e61f 61:02ce89221e03e61f 4096:02ce89221e03e61f 65536:02ce89221e03e61f",
  // ok, header line 59, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":58,"nonPurchase":0}, errors -
  "header on line 59": "0:79a98acc62c1f367 5:79a98acc62c1f367 61:79a98acc62c1f367 4096:79a98acc62c1f367 65536:79a98acc62c1f367",
  // refused, header line 62, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":61,"nonPurchase":0}, errors no_header no_header
  "header on line 62": "0:78c30d3985cdbb38 5:78c30d3985cdbb38 61:78c30d3985cdbb38 4096:78c30d3985cdbb38 65536:78c30d3985cdbb38",
  // refused, header line 75, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":74,"nonPurchase":0}, errors no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header no_header
  "header on line 75": "0:b069eea3eb89ffd7 5:5fee484319ac3953 61:5fee484319ac3953 4096:b069eea3eb89ffd7 65536:b069eea3eb89ffd7",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header no_header
  "header past a short search limit": "0:5e349955c0019722 5:5d6ebcb0631f1b5b 61:5d6ebcb0631f1b5b 4096:5e349955c0019722 65536:5e349955c0019722",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "header within a short search limit": "0:410a441874afe4ff 5:410a441874afe4ff 61:410a441874afe4ff 4096:410a441874afe4ff 65536:410a441874afe4ff",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_rows
  "row cap counted from the header": "0:f5b8aabfb230bc70 5:f5b8aabfb230bc70 61:f5b8aabfb230bc70 4096:f5b8aabfb230bc70 65536:f5b8aabfb230bc70",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_cells
  "cell cap": "0:4143dc81fb1c15f0 5:4143dc81fb1c15f0 61:4143dc81fb1c15f0 4096:4143dc81fb1c15f0 65536:4143dc81fb1c15f0",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header
  "quote never closed in the title block": "0:1e227e862671dd7d 5:1e227e862671dd7d 61:1e227e862671dd7d 4096:1e227e862671dd7d 65536:1e227e862671dd7d",
  // refused, header line 2, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors invalid_csv
  "quote never closed after the header": "0:535fe30b10d6c0e6 5:535fe30b10d6c0e6 61:535fe30b10d6c0e6 4096:535fe30b10d6c0e6 65536:535fe30b10d6c0e6",
  // ok, header line 3, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "relaxed quote in the title block": "0:bcf62ff5c9b6a346 5:bcf62ff5c9b6a346 61:bcf62ff5c9b6a346 4096:bcf62ff5c9b6a346 65536:bcf62ff5c9b6a346",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "relaxed quote after the header": "0:f194b25b8d75d431 5:f194b25b8d75d431 61:f194b25b8d75d431 4096:f194b25b8d75d431 65536:f194b25b8d75d431",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "quote inside an unquoted title cell": "0:e0650c31a6aca732 5:e0650c31a6aca732 61:e0650c31a6aca732 4096:e0650c31a6aca732 65536:e0650c31a6aca732",
  // ok, header line 6, 3 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "bare CR line endings": "0:0941b1d170205a71 5:0941b1d170205a71 61:0941b1d170205a71 4096:0941b1d170205a71 65536:0941b1d170205a71",
  // refused, header line -, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":7,"nonPurchase":0}, errors no_header
  "LF title, CRLF rows": "0:60169717872241ff 5:60169717872241ff 61:60169717872241ff 4096:60169717872241ff 65536:60169717872241ff",
  // refused, header line -, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors no_header
  "CRLF title, LF rows": "0:a6c67ab01d9c3897 5:a6c67ab01d9c3897 61:a6c67ab01d9c3897 4096:a6c67ab01d9c3897 65536:a6c67ab01d9c3897",
  // refused, header line -, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors no_header
  "bare CR in a title cell": "0:4b5a4651ea431952 5:4b5a4651ea431952 61:4b5a4651ea431952 4096:4b5a4651ea431952 65536:4b5a4651ea431952",
  // ok, header line 3, 0 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors invalid_amount
  "semicolons": "0:6118435fabbb4f7e 5:e9f679a66d41e86a 61:6118435fabbb4f7e 4096:6118435fabbb4f7e 65536:6118435fabbb4f7e",
  // ok, header line 2, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "semicolons given": "0:bd82df9026930c21 5:bd82df9026930c21 61:bd82df9026930c21 4096:bd82df9026930c21 65536:bd82df9026930c21",
  // ok, header line 2, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "tabs": "0:bd82df9026930c21 5:545db07da3f2eab4 61:bd82df9026930c21 4096:bd82df9026930c21 65536:bd82df9026930c21",
  // ok, header line 2, 1 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "pipes": "0:bd82df9026930c21 5:74c97915e81f51c4 61:bd82df9026930c21 4096:bd82df9026930c21 65536:bd82df9026930c21",
  // ok, header line 3, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":2,"nonPurchase":0}, errors -
  "multi-byte title": "0:491bc2aa54e9ecee 5:491bc2aa54e9ecee 61:491bc2aa54e9ecee 4096:491bc2aa54e9ecee 65536:491bc2aa54e9ecee",
  // ok, header line 2, 3 rows, skipped {"blank":0,"totals":0,"repeatedHeaders":0,"titleRows":1,"nonPurchase":0}, errors -
  "invalid UTF-8 in the title": "0:7472eb741e59562b 5:7472eb741e59562b 61:7472eb741e59562b 4096:7472eb741e59562b 65536:7472eb741e59562b",
  // ok, header line 6, 1500 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "over 64 KB, quoted newlines, LF": "0:181eb4b631949fc3 5:181eb4b631949fc3 61:181eb4b631949fc3 4096:181eb4b631949fc3 65536:181eb4b631949fc3",
  // ok, header line 6, 1500 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors -
  "over 64 KB, quoted newlines, CRLF": "0:6964b08f2a37d1d7 5:6964b08f2a37d1d7 61:6964b08f2a37d1d7 4096:6964b08f2a37d1d7 65536:6964b08f2a37d1d7",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_rows
  "over 64 KB, a quoted newline in every row, row cap": "0:f31e8dd18cf0db40 5:97e30662ee7b7c2c 61:f31e8dd18cf0db40 4096:f31e8dd18cf0db40 65536:f31e8dd18cf0db40",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors too_many_rows
  "over 64 KB, a quoted newline in every row, CRLF, row cap": "0:eccb99a5d768e1c9 5:f8856b1849351a2c 61:eccb99a5d768e1c9 4096:eccb99a5d768e1c9 65536:eccb99a5d768e1c9",
  // refused, header line 6, 0 rows, skipped {"blank":1,"totals":0,"repeatedHeaders":0,"titleRows":4,"nonPurchase":0}, errors invalid_csv
  "over 64 KB, quote never closed near the end": "0:c47c15408c7e317e 5:c47c15408c7e317e 61:c47c15408c7e317e 4096:c47c15408c7e317e 65536:c47c15408c7e317e",
  // ok, header line 6, 2 rows, skipped {"blank":1,"totals":1,"repeatedHeaders":1,"titleRows":4,"nonPurchase":0}, errors -
  "repeated header and totals after the header": "0:67588d3595a3eaac 5:67588d3595a3eaac 61:67588d3595a3eaac 4096:67588d3595a3eaac 65536:67588d3595a3eaac",
};

describe('register CSV header search', () => {
  it('has a recorded digest for every case', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(HEADER_SEARCH_CASES.map((c) => c.name).sort());
  });

  it.each(HEADER_SEARCH_CASES.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    expect(await headerCaseDigests(c)).toBe(EXPECTED[name]);
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
