/**
 * Golden output of the GSTR-2B and GSTR-2A JSON readers: the benchmark's files, and noisy files
 * (values replaced at random by blanks, text in amount fields, negative and huge numbers, bad
 * dates, escapes and non-ASCII text in strings; pretty-printed, so the scanner meets whitespace
 * everywhere), read in chunks of odd sizes, each reduced to SHA-256 digests of the key-sorted JSON
 * of the whole read result (documents, issues, the rest).
 *
 * tests/unit/recon/portal-golden.test.ts compares these digests with constants recorded from the
 * readers before their scanner was made faster (issue 26), so a faster reader cannot change a
 * result. Print the current digests with: npx tsx ops/bench/portal-golden.ts
 */
import { readGstr2a } from '../../domain/recon/gstr2a-reader';
import { readGstr2b } from '../../domain/recon/gstr2b-reader';
import { generateReconData, prng, toGstr2aJson, toGstr2bJson } from './recon-data';
import { goldenDigest } from './golden-digest';

export interface PortalGoldenCase {
  name: string;
  kind: '2B' | '2A';
  n: number;
  seed: number;
  noisy: boolean;
  chunk: number;
}

export const PORTAL_GOLDEN_CASES: readonly PortalGoldenCase[] = [
  { name: '2B bench 2k seed 1', kind: '2B', n: 2_000, seed: 1, noisy: false, chunk: 64 * 1024 },
  { name: '2B bench 20k seed 7', kind: '2B', n: 20_000, seed: 7, noisy: false, chunk: 64 * 1024 },
  { name: '2B noisy 3k seed 11', kind: '2B', n: 3_000, seed: 11, noisy: true, chunk: 777 },
  { name: '2A bench 2k seed 1', kind: '2A', n: 2_000, seed: 1, noisy: false, chunk: 64 * 1024 },
  { name: '2A bench 20k seed 7', kind: '2A', n: 20_000, seed: 7, noisy: false, chunk: 64 * 1024 },
  { name: '2A noisy 3k seed 12', kind: '2A', n: 3_000, seed: 12, noisy: true, chunk: 333 },
];

const NOISE: readonly unknown[] = [
  '', 'abc', -5, '1,000.50', null, '31-02-2024', 'é"\\x\u0007', 0, 1e20, '  27  ', true, [], {}, 'N', '062024', 12.345,
];

/** Replaces about one value in `rate` under `docdata` (or 2A's sections) with noise. */
function noisy(root: unknown, seed: number, rate: number): unknown {
  const rnd = prng(seed);
  const walk = (v: unknown, depth: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (depth >= 3 && rnd() < rate) {
          const r = rnd();
          if (r < 0.1) continue; // the field dropped
          o[k] = NOISE[Math.floor(rnd() * NOISE.length)];
        } else {
          o[k] = walk(x, depth + 1);
        }
      }
      if (depth >= 3 && rnd() < rate / 4) o.trdnm = 'Shree "Ganesh" \\ Steels — ünïcode ✓';
      return o;
    }
    return v;
  };
  return walk(root, 0);
}

function portalText(c: PortalGoldenCase): { text: string; gstin: string; period: string } {
  const data = generateReconData({ n: c.n, seed: c.seed });
  let text = c.kind === '2B' ? toGstr2bJson(data) : toGstr2aJson(data);
  if (c.noisy) text = JSON.stringify(noisy(JSON.parse(text), c.seed + 1000, 0.03), null, 2);
  return { text, gstin: data.recipientGstin, period: data.period };
}

function* chunksOf(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export async function readPortalGoldenCase(c: PortalGoldenCase): Promise<Record<string, unknown>> {
  const { text, gstin, period } = portalText(c);
  const chunks = chunksOf(Buffer.from(text), c.chunk);
  const r = c.kind === '2B' ? await readGstr2b(chunks, { gstin, period }) : await readGstr2a(chunks, { gstin, period });
  return r as unknown as Record<string, unknown>;
}

/** Digests of the read result, part by part and whole (the parts say where a difference is). */
export async function portalGoldenDigest(c: PortalGoldenCase): Promise<Record<string, string>> {
  const r = await readPortalGoldenCase(c);
  const { documents, rejected, warnings, errors, ...rest } = r;
  return {
    documents: goldenDigest({ documents, rejected }),
    issues: goldenDigest({ warnings, errors }),
    rest: goldenDigest(rest),
    all: goldenDigest(r),
  };
}

if (require.main === module) {
  void (async () => {
    for (const c of PORTAL_GOLDEN_CASES) {
      const r = await readPortalGoldenCase(c);
      const count = (k: string): number => (Array.isArray(r[k]) ? (r[k] as unknown[]).length : 0);
      process.stdout.write(`// ${c.name}: ok ${String(r.ok)}, ${count('documents')} documents, ${count('warnings')} warnings, ${count('errors')} errors\n`);
      process.stdout.write(`  ${JSON.stringify(c.name)}: ${JSON.stringify(await portalGoldenDigest(c))},\n`);
    }
  })();
}
