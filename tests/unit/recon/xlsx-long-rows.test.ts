/**
 * Long rows in the XLSX sheet reader (domain/recon/xlsx-sheet-rows.ts): a row's text arrives in
 * inflated pieces of about 16 KB, and a row that spans many pieces must cost its length once, not
 * its length squared (a 50 MB row compresses to well under a megabyte, so it passes the upload caps
 * and would hold the api's thread). The work is counted, not timed: every character that the
 * reader's searches (`indexOf`, `includes`) examine while the sheet is read. A row past 32 MB is
 * refused with a clear error, holding no more than that row.
 */
import { MAX_ROW_CHARS, type SheetRow, SheetRows } from '../../../domain/recon/xlsx-sheet-rows';
import { readRegisterXlsx } from '../../../domain/recon/register-xlsx';
import { workbookParts, zipOf } from '../../security/zip-writer';
import { retainedHeap } from '../../harness/retained-heap';

const PIECE = 16_384;
const SST = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

/** Column letters of column `n` (1 = A). */
function letters(n: number): string {
  let s = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) s = String.fromCharCode(65 + ((k - 1) % 26)) + s;
  return s;
}

/** The characters examined by String#indexOf and String#includes while `run` runs (synchronously). */
function searched(run: () => void): number {
  const proto = String.prototype as unknown as { indexOf: typeof String.prototype.indexOf; includes: typeof String.prototype.includes };
  const { indexOf, includes } = proto;
  let examined = 0;
  const count = (s: string, search: string, position: number | undefined, at: number) => {
    const from = Math.min(Math.max(0, Math.trunc(position ?? 0)), s.length);
    examined += (at < 0 ? s.length : at + search.length) - from;
  };
  proto.indexOf = function (this: string, search: string, position?: number): number {
    const at = indexOf.call(this, search, position);
    count(this, search, position, at);
    return at;
  };
  proto.includes = function (this: string, search: string, position?: number): boolean {
    const at = indexOf.call(this, search, position);
    count(this, search, position, at);
    return at >= 0;
  };
  try {
    run();
  } finally {
    proto.indexOf = indexOf;
    proto.includes = includes;
  }
  return examined;
}

function piecesOf(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

describe('XLSX sheet reader: long rows', () => {
  it('a 20 MB row read in 16 KB pieces is searched in work linear in its length (a long start tag too)', () => {
    // 16,384 inline-string cells of 1,200 characters; the start tag carries a 1 MB attribute with `>` in it.
    const cells = Array.from({ length: 16_384 }, (_, k) => `<c r="${letters(k + 1)}1" t="inlineStr"><is><t>${String(k % 10).repeat(1_200)}</t></is></c>`).join('');
    const row = `<row r="1" x-note="${'a > b '.repeat(170_000)}">${cells}</row>`;
    const text = `<worksheet ${SST}><sheetData>${row}<row r="2"><c r="A2"><v>7</v></c></row></sheetData></worksheet>`;
    const pieces = piecesOf(text, PIECE);
    const rows: SheetRow[] = [];
    const reader = new SheetRows(null);
    const examined = searched(() => {
      for (const piece of pieces) reader.push(piece, rows);
    });
    expect(rows.map((r) => [r.number, r.cells.length])).toEqual([[1, 16_384], [2, 1]]);
    expect([rows[0]!.cells[0], rows[0]!.cells[16_383], rows[1]!.cells[0]]).toEqual(['0'.repeat(1_200), '3'.repeat(1_200), 7]);
    // Reading the row takes a few passes over it (its end as the pieces come, its end and the
    // sheet's again once joined, each cell's bounds, each value's entities and line ends): about 8
    // characters examined per character of the sheet. A reader that searched the row again from its
    // start with every piece examines it once per piece or more (hundreds of times here).
    const perCharacter = Math.round((examined / text.length) * 10) / 10;
    expect({ text: text.length, perCharacter, linear: perCharacter < 12 }).toEqual({ text: text.length, perCharacter, linear: true });
  });

  it('a row longer than 32 MB is refused with a clear error, the reader holding no more than that row', () => {
    const reader = new SheetRows(null);
    const rows: SheetRow[] = [];
    reader.push(`<worksheet ${SST}><sheetData><row r="1">`, rows);
    const cell = Buffer.from('<c r="A1"><v>1</v></c>'.repeat(Math.ceil(PIECE / 22)).slice(0, PIECE), 'latin1');
    // What the reader holds between pieces, after a collection (garbage is not held).
    const base = retainedHeap();
    let peak = base;
    let fed = 0;
    let error: Error | undefined;
    // Up to twice the cap, each piece a string of its own (as the inflater hands them over).
    while (fed < 2 * MAX_ROW_CHARS) {
      try {
        reader.push(cell.toString('latin1'), rows);
      } catch (e) {
        error = e as Error;
        break;
      }
      fed += PIECE;
      if (fed % (1 << 22) === 0) peak = Math.max(peak, retainedHeap());
    }
    expect({ rows: rows.length, error: error?.message, refusedAfterCap: fed >= MAX_ROW_CHARS - PIECE && fed <= MAX_ROW_CHARS + PIECE })
      .toEqual({ rows: 0, error: 'a row of the workbook is larger than 32 MB', refusedAfterCap: true });
    // The row's text is held once (one byte a character here): the heap grows by about 32 MB.
    expect({ grewMb: Math.round((peak - base) / 1e6), withinCap: peak - base < 1.5 * MAX_ROW_CHARS }).toEqual({ grewMb: expect.any(Number) as number, withinCap: true });
  });

  it('an unclosed <sheetData tag is refused the same way once it passes 32 MB', () => {
    const reader = new SheetRows(null);
    const rows: SheetRow[] = [];
    reader.push(`<worksheet ${SST}><sheetData x="`, rows);
    const piece = 'y'.repeat(PIECE);
    let error: Error | undefined;
    for (let fed = 0; fed < 2 * MAX_ROW_CHARS && !error; fed += PIECE) {
      try {
        reader.push(piece, rows);
      } catch (e) {
        error = e as Error;
      }
    }
    expect(error?.message).toBe('the <sheetData> tag of the workbook is larger than 32 MB');
  });

  it('through the register reader: a workbook of well under a megabyte holding a 33 MB row is refused as invalid_xlsx', async () => {
    const row = `<row r="1">${'<c r="A1"><v>1</v></c>'.repeat(Math.ceil((MAX_ROW_CHARS + 1_000_000) / 22))}</row>`;
    const xlsx = zipOf(workbookParts(`<worksheet ${SST}><sheetData>${row}</sheetData></worksheet>`, `<sst ${SST}></sst>`));
    const result = await readRegisterXlsx(xlsx);
    expect({ underOneMb: xlsx.length < 1e6, ok: result.ok, errors: result.errors.map((e) => [e.code, e.message]) })
      .toEqual({ underOneMb: true, ok: false, errors: [['invalid_xlsx', 'workbook could not be read: a row of the workbook is larger than 32 MB']] });
  });
});
