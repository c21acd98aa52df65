/**
 * The measurements of `npm run bench:worker` (worker-path.bench.ts), each run in a fresh process
 * with the worker's flags: `store` runs the reconciliation activity as the worker runs it and
 * samples the heap between its batches; `first` and `first-cold` time a fresh process's first
 * match against warm ones, with and without the engine warm-up the worker runs at start.
 */
import { randomUUID } from 'node:crypto';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createReconciliationActivities } from '../../activities/reconciliation';
import { loadRunDocuments } from '../../activities/reconciliation-load';
import { reconcile } from '../../domain/recon';
import { warmUpEngine, type WarmUpReport } from '../../domain/recon/warm-up';
import { createKnex, JOB_SESSION_TIMEOUTS } from '../../db/knex';
import { ROW_BATCH } from '../../db/recon-rows';
import { inFirmJobTransaction } from '../../db/tenant';
import { createLogger } from '../logger';

export type ChildInput = { mode: 'store' | 'first' | 'first-cold'; url: string; firmId: string; clientId: string; registerImportId: string; gstr2bImportId: string };

export type ChildReport =
  | {
    mode: 'store'; loadMs: number; matchMs: number; writeMs: number; results: number;
    /** Heap over the idle process after a full collection, when both imports are loaded. */
    loadedBytes: number;
    /** Heap and array buffers over the idle process after a full collection, when the match is done. */
    matchedBytes: number; matchedHeapBytes: number; matchedExternalBytes: number;
    idleRssBytes: number; peakRssBytes: number;
    /** The process's peak RSS so far when both imports were loaded and when the match was done: which phase set the peak. */
    peakAtLoadedBytes: number; peakAtMatchedBytes: number;
    /**
     * Where the RSS is when the match is done, before the collection that samples the heap: each
     * heap space's committed bytes, the array buffers and the RSS itself (the peak is set here).
     */
    spacesAtMatched?: Spaces;
  }
  | {
    mode: 'first' | 'first-cold'; warmUp: (WarmUpReport & { rssBytes: number; heapBytes: number }) | null;
    loadMs: number; loadedBytes: number; firstMs: number; firstBuildMs: number; warmMs: number[]; warmBuildMs: number[]; peakRssBytes: number;
    /** Garbage collection inside each match (V8's gc performance entries): the first's, then the warm ones'. */
    firstGcMs: number; warmGcMs: number[];
  };

const OPTIONS = { amountTolerance: 100, dateWindowDays: 10 };
const WARM = Number(process.env.WORKER_BENCH_WARM ?? 5);

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function heap(): { used: number; external: number; rss: number } {
  collect();
  const m = process.memoryUsage();
  return { used: m.heapUsed, external: m.arrayBuffers, rss: m.rss };
}

export type Spaces = { rss: number; arrayBuffers: number; committed: Record<string, number> };

function spaces(): Spaces {
  const committed: Record<string, number> = {};
  for (const sp of v8.getHeapSpaceStatistics()) committed[sp.space_name] = sp.space_size;
  const m = process.memoryUsage();
  return { rss: m.rss, arrayBuffers: m.arrayBuffers, committed };
}

const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

export async function runWorkerChild(input: ChildInput): Promise<ChildReport> {
  const logger = createLogger({ level: 'warn', pretty: false });
  // As the worker connects (ops/services.ts startWorkerService).
  const knex = createKnex({ url: input.url, appRole: 'taalmel_app', poolMax: 4, applicationName: 'taalmel-worker-bench', timeouts: JOB_SESSION_TIMEOUTS });
  const owner = createKnex({ url: input.url, poolMax: 1 });
  try {
    if (input.mode === 'store') return await storeRun(input, knex, owner, logger);
    return await firstRun(input, knex);
  } finally {
    await knex.destroy();
    await owner.destroy();
  }
}

async function storeRun(input: ChildInput, knex: ReturnType<typeof createKnex>, owner: ReturnType<typeof createKnex>, logger: ReturnType<typeof createLogger>): Promise<ChildReport> {
  const runId = await owner.transaction(async (trx) => {
    await trx.raw(`select set_config('app.firm_id', ?, true)`, [input.firmId]);
    const [run] = await trx('reconciliation_runs')
      .insert({ firm_id: input.firmId, client_id: input.clientId, period: '2024-06', register_import_id: input.registerImportId, gstr2b_import_id: input.gstr2bImportId, options: JSON.stringify(OPTIONS), workflow_id: `bench-${randomUUID()}` })
      .returning('id');
    return (run as { id: string }).id;
  });
  const portalCount = Number((await owner('imports').where({ id: input.gstr2bImportId }).first<{ rows: number }>())!.rows);
  const idle = heap();
  let loadedAt = 0;
  let matchedAt = 0;
  let loaded = idle;
  let matched = idle;
  let peakAtLoaded = 0;
  let peakAtMatched = 0;
  let spacesAtMatched: Spaces | undefined;
  const activities = createReconciliationActivities({
    knex,
    logger,
    afterBatch: (details) => {
      // Sampled once each, after a full collection (outside the timed phases' own work).
      if (loadedAt === 0 && details.phase === 'load_portal' && details.done === portalCount) {
        loadedAt = Date.now();
        peakAtLoaded = peakRss();
        loaded = heap();
      } else if (matchedAt === 0 && details.phase === 'matched') {
        matchedAt = Date.now();
        peakAtMatched = peakRss();
        spacesAtMatched = spaces();
        matched = heap();
      }
      return Promise.resolve();
    },
  });
  const env = new MockActivityEnvironment();
  await env.run(activities.reconciliationPrepare, { firmId: input.firmId, runId });
  const started = Date.now();
  const result = (await env.run(activities.reconciliationMatchAndStore, { firmId: input.firmId, runId })) as { results: number };
  const ended = Date.now();
  const loadDone = loadedAt;
  return {
    mode: 'store',
    loadMs: loadDone - started,
    matchMs: matchedAt - loadDone,
    writeMs: ended - matchedAt,
    results: result.results,
    loadedBytes: loaded.used - idle.used,
    matchedBytes: matched.used + matched.external - idle.used - idle.external,
    matchedHeapBytes: matched.used - idle.used,
    matchedExternalBytes: matched.external - idle.external,
    idleRssBytes: idle.rss,
    peakRssBytes: peakRss(),
    peakAtLoadedBytes: peakAtLoaded,
    peakAtMatchedBytes: peakAtMatched,
    spacesAtMatched,
  };
}

async function firstRun(input: ChildInput, knex: ReturnType<typeof createKnex>): Promise<ChildReport> {
  let warmUp: (WarmUpReport & { rssBytes: number; heapBytes: number }) | null = null;
  if (input.mode === 'first') {
    const before = heap();
    const report = await warmUpEngine();
    const after = heap();
    warmUp = { ...report, rssBytes: after.rss - before.rss, heapBytes: after.used + after.external - before.used - before.external };
  }
  const idle = heap();
  let t = Date.now();
  const { books, portal } = await inFirmJobTransaction(knex, input.firmId, 'reconciliation', (trx) =>
    loadRunDocuments(trx, { firmId: input.firmId, register_import_id: input.registerImportId, gstr2b_import_id: input.gstr2bImportId }));
  const loadMs = Date.now() - t;
  const loaded = heap();
  const times: number[] = [];
  const builds: number[] = [];
  const gcs: number[] = [];
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  for (let k = 0; k <= WARM; k += 1) {
    collect();
    // Entries arrive asynchronously: let the forced collection's through before the timed run.
    await new Promise((resolve) => setImmediate(resolve));
    gcMs = 0;
    t = Date.now();
    const result = reconcile(books, portal, OPTIONS);
    times.push(Date.now() - t);
    await new Promise((resolve) => setImmediate(resolve));
    gcs.push(gcMs);
    t = Date.now();
    let built = 0;
    for (let from = 0; from < result.rowCount; from += ROW_BATCH) built += JSON.stringify(result.rowsBetween(from, Math.min(result.rowCount, from + ROW_BATCH))).length;
    builds.push(Date.now() - t);
    result.release();
    if (built === 0) throw new Error('no rows built');
  }
  observer.disconnect();
  return {
    mode: input.mode === 'first' ? 'first' : 'first-cold',
    warmUp,
    loadMs,
    loadedBytes: loaded.used + loaded.external - idle.used - idle.external,
    firstMs: times[0]!,
    firstGcMs: gcs[0]!,
    warmGcMs: gcs.slice(1),
    firstBuildMs: builds[0]!,
    warmMs: times.slice(1),
    warmBuildMs: builds.slice(1),
    peakRssBytes: peakRss(),
  };
}
