/**
 * The register sink keeps its documents as columns and builds their rows at the end
 * (domain/recon/register-kept.ts); before, it kept each document as objects from its first line
 * (ops/bench/register-sink-before.ts, that sink unchanged). Both must give the same read result,
 * down to the order of every row's keys and of the issues: compared here as JSON text (in key
 * order, not sorted) and with toStrictEqual, on generated registers (the benchmark's, noisy ones
 * with every rule of the sink, typed cells as the XLSX reader hands them over, on two sheets) and
 * on every header-search case in every chunking.
 */
import { readRegisterCsv } from '../../../domain/recon/register-reader';
import { type Cell, type RegisterReadOptions, type RegisterReadResult, RegisterSink } from '../../../domain/recon/register-sink';
import { generateReconData, toRegisterCsv } from '../../../ops/bench/recon-data';
import { noisyRegisterCsv, typedCellRows } from '../../../ops/bench/register-golden';
import { RegisterSinkBefore } from '../../../ops/bench/register-sink-before';
import { CHUNK_SIZES, HEADER_SEARCH_CASES } from './register-header-cases';

function* chunks(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

function expectSame(now: RegisterReadResult, before: RegisterReadResult): void {
  expect(JSON.stringify(now)).toBe(JSON.stringify(before));
  expect(now).toStrictEqual(before);
}

async function csvBoth(file: string | Buffer, options: RegisterReadOptions, chunkSize: number): Promise<[RegisterReadResult, RegisterReadResult]> {
  const src = (): string | Buffer | Generator<Buffer> => (chunkSize === 0 ? file : chunks(Buffer.from(file), chunkSize));
  return [await readRegisterCsv(src(), options), await readRegisterCsv(src(), options, new RegisterSinkBefore(options))];
}

type CellSink = Pick<RegisterSink, 'startSheet' | 'admit' | 'row' | 'result'>;

function feedCells(sink: CellSink, sheets: Array<{ sheet: string; rows: Cell[][] }>): RegisterReadResult {
  for (const { sheet, rows } of sheets) {
    sink.startSheet(sheet);
    rows.forEach((cells, i) => {
      if (sink.admit(cells.length)) sink.row(cells, i + 1);
    });
  }
  return sink.result();
}

describe('register documents kept as columns', () => {
  it.each([[1, 3_000], [5, 4_000], [9, 2_500]])('reads the bench register (seed %i, %i documents) as before', async (seed, n) => {
    const [now, before] = await csvBoth(toRegisterCsv(generateReconData({ n, seed })), { source: 'pr.csv' }, 7_919);
    expect(now.rows.length).toBeGreaterThan(n / 2);
    expectSame(now, before);
  });

  it.each([
    [31, ',', 1_000_000], [32, ',', 25], [33, ';', 1_000_000], [34, '\t', 1_000], [35, '|', 1_000], [36, ',', 1_000],
  ])('reads a noisy register (seed %i, delimiter %j, at most %i issues) as before', async (seed, d, maxIssues) => {
    const options = { source: 'noisy.csv', maxIssues, csvDelimiter: d };
    const [now, before] = await csvBoth(noisyRegisterCsv(3_000, seed, d), options, 4_001);
    expect(now.rows.length).toBeGreaterThan(0);
    expect(now.mergedLines).toBeGreaterThan(0); // split vouchers, built at the end
    expectSame(now, before);
  });

  it.each([41, 42, 43])('reads typed cells on two sheets (seed %i) as before', (seed) => {
    const options = { source: 'register.xlsx', maxIssues: 1_000_000 };
    const sheets = typedCellRows(3_000, seed);
    const now = feedCells(new RegisterSink(options), sheets);
    const before = feedCells(new RegisterSinkBefore(options), sheets);
    expect(now.rows.some((r) => r.rowRef.startsWith('register.xlsx:May:'))).toBe(true);
    expectSame(now, before);
  });

  it('reads a split voucher whose later lines add fields, flip the sign and mix signs as before', async () => {
    const head = 'Date,Particulars,Voucher Type,Voucher No.,Voucher Ref. No.,Voucher Ref. Date,GSTIN/UIN,Value,Input IGST,Gross Total';
    const file = [
      'ACME Traders', head,
      '05-04-2024,Alpha,Purchase,7,,05-04-2024,,100.00,18.00,',
      '05-04-2024,Alpha,Purchase,7,A-7,05-04-2024,27AAPFU0939F1ZV,-300.00,-54.00,"1,000.00"',
      '06-04-2024,Beta,Purchase,8,B-8,06-04-2024,27AAPFU0939F1ZV,50.00,-9.00,',
      '06-04-2024,Beta,Purchase,8,,06-04-2024,,50.00,4.00,10.00',
      '07-04-2024,Gamma,Purchase,9,C-9,07-04-2024,27AAPFU0939F1ZV,10.00,1.80,',
    ].join('\n');
    const [now, before] = await csvBoth(file, { source: 's.csv' }, 0);
    expect(now.rows.map((r) => [r.rowRef, r.docType, r.sourceLines ?? null])).toEqual([
      ['s.csv:3', 'credit_note', ['s.csv:3', 's.csv:4']],
      ['s.csv:5', 'invoice', ['s.csv:5', 's.csv:6']],
      ['s.csv:7', 'invoice', null],
    ]);
    // Voucher 7's lines differ in sign (seen as they are summed); voucher 8 ends with heads of both signs.
    expect(now.warnings.filter((w) => w.code === 'mixed_signs').map((w) => w.rowRef)).toEqual(['s.csv:3', 's.csv:5']);
    expect(now.rows[0]).toMatchObject({ supplierGstin: '27AAPFU0939F1ZV', invoiceNumberRaw: 'A-7', invoiceValue: 100000, taxableValue: 20000 });
    expectSame(now, before);
  });

  it.each(HEADER_SEARCH_CASES.map((c) => [c.name, c] as const))('reads header case %s in every chunking as before', async (_name, c) => {
    for (const size of CHUNK_SIZES) {
      const options = { source: 'h.csv', ...c.options };
      const [now, before] = await csvBoth(c.file, options, size);
      expectSame(now, before);
    }
  });
});
