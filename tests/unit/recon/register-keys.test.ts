/**
 * The register's document index (domain/recon/register-keys.ts) against the rule it stands for:
 * two lines are one document exactly when their joined key texts (`sheet|V|type|number|date`,
 * `sheet|I|gstin|number|date`, `sheet|L|line`) are equal. Generated keys mix plain numbers, numbers
 * with leading zeros, large numbers and texts, repeated numbers with other types and dates, and
 * `|` in every part where a `|` can be.
 */
import { DocumentIndex } from '../../../domain/recon/register-keys';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('register document index', () => {
  it.each([1, 2, 3, 4])('finds a document exactly when the joined key text is one seen before (seed %i)', (seed) => {
    const rnd = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const sheets = ['', 'Sheet1', 'a|V|purchase', 'a', 'x|L|7'];
    const types = ['purchase', 'debit note', 'p|x', '', 'purchase|1'];
    const numbers = ['1', '2', '7', '07', '0', '00', '12', '4194303', '4194304', '99999999', 'PV-1', 'pv-1', '1|2', '2|', '', '1 ', 'INV/2024-25/000123'];
    const gstins = ['27ABCDE1234F1ZW', '', '27ABCDE1234F1Z|', 'URP'];
    const dates = ['', '2024-06-05', '2024-06-06'];
    const index = new DocumentIndex();
    const model = new Map<string, number>();
    let docs = 0;
    let sheet = '';
    let found = 0;
    for (let i = 0; i < 4000; i += 1) {
      if (rnd() < 0.01) {
        sheet = pick(sheets);
        index.startSheet(sheet);
      }
      const kind = pick(['V', 'V', 'I', 'L'] as const);
      const number = pick(numbers);
      const line = 1 + Math.floor(rnd() * 300);
      const part = kind === 'V' ? pick(types) : pick(gstins);
      const date = pick(dates);
      const joined = kind === 'L' ? `${sheet}|L|${line}` : `${sheet}|${kind}|${part}|${number}|${date}`;
      const got = kind === 'V' ? index.voucher(part, number, date) : kind === 'I' ? index.invoice(part, number, date) : index.line(line);
      const want = model.get(joined) ?? -1;
      if (got !== want) throw new Error(`key ${JSON.stringify(joined)}: index found document ${got}, the joined text ${want} (-1: none)`);
      if (want >= 0) {
        found += 1;
        continue;
      }
      const id = docs;
      docs += 1;
      if (kind === 'V') index.addVoucher(part, number, date, id);
      else if (kind === 'I') index.addInvoice(part, number, date, id);
      else index.addLine(line, id);
      model.set(joined, id);
    }
    expect(found).toBeGreaterThan(500);
  });
});
