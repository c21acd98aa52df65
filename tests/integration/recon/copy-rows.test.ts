/**
 * The COPY path of the bulk row writes (db/copy-rows.ts, db/recon-rows.ts), called directly in
 * tenant transactions of the application role on a real PostgreSQL: values round-trip exactly,
 * a failure part-way leaves nothing, row-level security and the period lock still decide, and
 * one firm's staged rows are never visible to another. Imports are written as uploads write them,
 * from COPY text made already (as an upload's parser thread makes it); result rows are made a row
 * at a time as the COPY takes them, the other way copy-rows.ts is fed.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Knex } from 'knex';
import { CHUNK, CHUNK_BYTES, copyField, MOVE_WORK_MEM } from '../../../db/copy-rows';
import { importRowsText } from '../../../db/copy-text';
import { insertImportText, insertResultRows, loadImportRows, ROW_BATCH, type ResultSource, type StoredResult } from '../../../db/recon-rows';
import { eventually } from '../../harness/eventually';
import type { TestFirm } from '../../harness/factories';
import { AWKWARD_TEXTS } from '../../harness/run-imports';
import { withTwoFirms } from '../../harness/two-firms';

const PERIOD = '2024-06';

describe('bulk row writes by COPY', () => {
  const two = withTwoFirms({ poolMax: 2 });
  const { asFirm } = two;

  /** An import waiting for its rows, written as the owner (the upload route makes it). */
  async function newImport(f: TestFirm, period = PERIOD, kind = 'gstr2b'): Promise<{ importId: string; clientId: string }> {
    const clientId = f.clients[0]!.id;
    const [row] = await two.db.owner('imports').insert({ firm_id: f.id, client_id: clientId, kind, period, filename: 'x.json' }).returning('id');
    return { importId: (row as { id: string }).id, clientId };
  }

  const storedCount = async (importId: string) => Number((await two.db.owner('import_rows').where({ import_id: importId }).count({ n: '*' }))[0]!.n);

  /** Writes the documents as an upload does: made into text first, then streamed as it is. */
  const writeText = (trx: Knex.Transaction, scope: { clientId: string; importId: string; period?: string; firmId?: string }, docs: readonly unknown[], hook?: (done: number) => Promise<void> | void) =>
    insertImportText(trx, { firmId: scope.firmId ?? two.firm.id, clientId: scope.clientId, importId: scope.importId, period: scope.period ?? PERIOD }, importRowsText(docs), hook);

  /**
   * The moves that wrote an import, read in the writing transaction: each move is one INSERT
   * statement, so its rows share a command id (`cmin`). Answers each move's first and last seq.
   */
  const moves = async (trx: Knex.Transaction, importId: string): Promise<Array<[number, number]>> => {
    const rows = await trx.raw(
      `select min(seq)::int as first, max(seq)::int as last from import_rows where import_id = ? group by cmin::text::int order by 1`,
      [importId],
    );
    return rows.rows.map((r: { first: number; last: number }) => [r.first, r.last]);
  };

  /** Staging tables left in the sessions of the pool's connections (it holds two): asked on each. */
  async function stagesLeft(): Promise<number[]> {
    const left: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const found = await asFirm(two.firm, (trx) => trx.raw(`select count(*)::int as n from pg_class where relname like '%_stage' and relpersistence = 't' and pg_table_is_visible(oid)`));
      left.push(found.rows[0].n as number);
    }
    return left;
  }

  /** A run for result rows to belong to (the workflow makes it), written as the owner. */
  async function newRun(f: TestFirm): Promise<{ runId: string; clientId: string }> {
    const { importId, clientId } = await newImport(f);
    const [run] = await two.db.owner('reconciliation_runs')
      .insert({ firm_id: f.id, client_id: clientId, period: PERIOD, register_import_id: importId, gstr2b_import_id: importId, workflow_id: `copy-${randomUUID()}` })
      .returning('id');
    return { runId: (run as { id: string }).id, clientId };
  }

  const storedResults = async (runId: string) => Number((await two.db.owner('reconciliation_results').where({ run_id: runId }).count({ n: '*' }))[0]!.n);

  /** A result source over `rows` that records each batch asked of it. */
  const sourceOf = (rows: readonly StoredResult[], asked: Array<[number, number]> = []): ResultSource => ({
    count: rows.length,
    between: (from, to) => (asked.push([from, to]), rows.slice(from, to)),
  });

  it('escapes only what COPY text gives a meaning to', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('plain ग्राहक 🧾')).toBe('plain ग्राहक 🧾');
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField(42)).toBe('42');
  });

  describe('import rows, from COPY text made already (insertImportText, as uploads write)', () => {
    it('round-trips imported documents exactly: tabs, newlines, backslashes, Unicode, in file order', async () => {
      const { importId, clientId } = await newImport(two.firm);
      const docs = AWKWARD_TEXTS.map((text, i) => ({ invoiceNumber: text, [text || 'empty']: [text, i, null, true], nested: { text, amountPaise: 123456 * i } }));
      await asFirm(two.firm, (trx) => writeText(trx, { importId, clientId }, docs));
      expect(await asFirm(two.firm, (trx) => loadImportRows<unknown>(trx, { firmId: two.firm.id, importId }))).toEqual(docs);
      const stored = await two.db.owner('import_rows').where({ import_id: importId }).orderBy('seq').select('seq', 'doc', 'period', 'client_id', 'firm_id');
      expect(stored).toEqual(docs.map((doc, seq) => ({ seq, doc, period: PERIOD, client_id: clientId, firm_id: two.firm.id })));
    });

    it(`cuts more than one chunk (${CHUNK.toLocaleString('en-IN')} rows each), in order, with progress every ${ROW_BATCH} rows`, async () => {
      const { importId, clientId } = await newImport(two.firm);
      const docs = Array.from({ length: CHUNK + 2_345 }, (_, i) => ({ n: i, t: i % 7 === 0 ? 'x\ty' : 'z' }));
      const progress: number[] = [];
      const moved = await asFirm(two.firm, async (trx) => {
        await writeText(trx, { importId, clientId }, docs, (done) => void progress.push(done));
        return moves(trx, importId);
      });
      expect(moved).toEqual([[0, CHUNK - 1], [CHUNK, docs.length - 1]]);
      const expected = Array.from({ length: Math.floor(docs.length / ROW_BATCH) }, (_, k) => (k + 1) * ROW_BATCH).concat(docs.length);
      expect(progress).toEqual(expected);
      const back = await asFirm(two.firm, (trx) => loadImportRows<{ n: number; t: string }>(trx, { firmId: two.firm.id, importId }));
      expect(back.length).toBe(docs.length);
      expect(back.findIndex((d, i) => d.n !== i || d.t !== docs[i]!.t)).toBe(-1);
    });

    it(`cuts large rows into chunks of about ${CHUNK_BYTES / 1024 / 1024} MB of text, in order`, async () => {
      const { importId, clientId } = await newImport(two.firm);
      const docs = Array.from({ length: 3_000 }, (_, i) => ({ n: i, text: `${i}\t`.padEnd(2_000, 'é\\') }));
      const text = importRowsText(docs);
      const moved = await asFirm(two.firm, async (trx) => {
        await insertImportText(trx, { firmId: two.firm.id, clientId, importId, period: PERIOD }, text);
        return moves(trx, importId);
      });
      // The chunks follow each other, and each but the last ends with the row that took it to CHUNK_BYTES bytes.
      const bytes = (first: number, last: number) => text.ends[last]! - (first === 0 ? 0 : text.ends[first - 1]!);
      expect(moved.length).toBeGreaterThan(1);
      expect(moved.map(([first]) => first)).toEqual([0, ...moved.slice(0, -1).map(([, last]) => last + 1)]);
      expect(moved[moved.length - 1]![1]).toBe(docs.length - 1);
      expect(moved.slice(0, -1).filter(([first, last]) => !(bytes(first, last) >= CHUNK_BYTES && bytes(first, last - 1) < CHUNK_BYTES))).toEqual([]);
      expect(await asFirm(two.firm, (trx) => loadImportRows<unknown>(trx, { firmId: two.firm.id, importId }))).toEqual(docs);
    });

    it('leaves nothing when the stream fails part-way, after a whole chunk was moved in, and the connections stay usable', async () => {
      const { importId, clientId } = await newImport(two.firm);
      const docs = Array.from({ length: CHUNK + 10_000 }, (_, i) => ({ n: i }));
      const progress: number[] = [];
      const write = asFirm(two.firm, (trx) =>
        writeText(trx, { importId, clientId }, docs, (done) => {
          progress.push(done);
          if (done >= CHUNK + 4_000) throw new Error('stopped mid-stream');
        }),
      );
      await expect(write).rejects.toThrow('stopped mid-stream');
      expect(progress[progress.length - 1]).toBeGreaterThan(CHUNK); // the second chunk's COPY had begun: the first was moved in
      expect(await storedCount(importId)).toBe(0);
      // The pool's connections (two) still work, and no staging table was left behind on them.
      expect(await stagesLeft()).toEqual([0, 0, 0, 0]);
      await asFirm(two.firm, (trx) => writeText(trx, { importId, clientId }, [{ n: 1 }]));
      expect(await storedCount(importId)).toBe(1);
    });

    it('leaves nothing when the database refuses a row in the second chunk', async () => {
      const { importId, clientId } = await newImport(two.firm);
      // Progress is due at `handed` within the second chunk, before the piece with the refused row
      // is sent: seeing it proves the first chunk had been moved in before the refusal.
      const handed = Math.ceil((CHUNK + 1) / ROW_BATCH) * ROW_BATCH;
      // importRowsText refuses text jsonb cannot hold before any write (the upload's own check),
      // so the refused row is made by hand: a placeholder's bytes become a lone surrogate's escape.
      const placeholder = 'XXXXXXX';
      const docs = Array.from({ length: handed + 100 }, (_, i) => ({ n: i, text: i === handed + 50 ? placeholder : 'ok' }));
      const text = importRowsText(docs);
      const bad = Buffer.from(text.bytes.buffer, text.bytes.byteOffset, text.bytes.length);
      const at = bad.indexOf(placeholder, text.ends[handed + 49]);
      expect({ at, inRow: at >= text.ends[handed + 49]! && at < text.ends[handed + 50]! }).toEqual({ at, inRow: true });
      bad.write('\\\\ud800', at); // COPY's escaped backslash, then u d 8 0 0: seven bytes, as the placeholder
      const progress: number[] = [];
      const write = asFirm(two.firm, (trx) => insertImportText(trx, { firmId: two.firm.id, clientId, importId, period: PERIOD }, text, (done) => void progress.push(done)));
      await expect(write).rejects.toThrow(/invalid input syntax for type json/);
      expect(progress).toContain(handed);
      expect(await storedCount(importId)).toBe(0);
    });

    it("sets work_mem for the writing transaction only: once it commits, the pool's connections are back to the server's default", async () => {
      const { importId, clientId } = await newImport(two.firm);
      /**
       * On both pooled connections at once (the pool holds two): the backend, its work_mem, and
       * whether that is the session's default (pg_settings' value to which RESET would return).
       */
      const everyConnection = async (): Promise<Array<{ pid: number; workMem: string; isDefault: boolean }>> => {
        let arrived = 0;
        let open!: () => void;
        const all = new Promise<void>((resolve) => (open = resolve));
        return Promise.all([0, 1].map(() => asFirm(two.firm, async (trx) => {
          const pid = (await trx.raw('select pg_backend_pid() as pid')).rows[0].pid as number;
          const workMem = (await trx.raw('show work_mem')).rows[0].work_mem as string;
          const isDefault = (await trx.raw(`select setting = reset_val as d from pg_settings where name = 'work_mem'`)).rows[0].d as boolean;
          arrived += 1;
          if (arrived === 2) open();
          await all; // both connections are held at once, so both are asked
          return { pid, workMem, isDefault };
        })));
      };
      const before = await everyConnection();
      expect(new Set(before.map((c) => c.pid)).size).toBe(2);
      expect(before.map((c) => c.isDefault)).toEqual([true, true]);
      expect(before[0]!.workMem).not.toBe(MOVE_WORK_MEM); // else the test could not tell
      const during = await asFirm(two.firm, async (trx) => {
        await writeText(trx, { importId, clientId }, [{ n: 1 }, { n: 2 }]);
        const pid = (await trx.raw('select pg_backend_pid() as pid')).rows[0].pid as number;
        return { pid, workMem: (await trx.raw('show work_mem')).rows[0].work_mem as string };
      });
      expect(during.workMem).toBe(MOVE_WORK_MEM); // the writer did raise it, in its transaction
      expect(await storedCount(importId)).toBe(2);
      const after = await everyConnection();
      expect(after.map((c) => c.pid)).toContain(during.pid);
      expect(after.map((c) => c.workMem)).toEqual(before.map((c) => c.workMem));
      expect(after.map((c) => c.isDefault)).toEqual([true, true]);
    });

    it("refuses rows for another firm (row-level security's WITH CHECK on the move) and writes none", async () => {
      const { importId, clientId } = await newImport(two.other);
      const write = asFirm(two.firm, (trx) => writeText(trx, { firmId: two.other.id, clientId, importId }, [{ n: 1 }, { n: 2 }]));
      await expect(write).rejects.toThrow(/row-level security/);
      expect(await storedCount(importId)).toBe(0);
    });

    it("never shows one firm's rows to another: not the staged rows while they stream, not the stored ones after", async () => {
      const { importId, clientId } = await newImport(two.firm);
      const docs = Array.from({ length: 5_000 }, (_, i) => ({ secret: `firm-only ${i}` }));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let paused = false;
      const write = asFirm(two.firm, (trx) =>
        writeText(trx, { importId, clientId }, docs, async (done) => {
          if (done === 4_000) {
            paused = true;
            await held;
          }
        }),
      );
      try {
        await eventually('the COPY to pause mid-stream', () => paused);
        // The staging table is created in the writing transaction, not yet committed, in that
        // session's own temporary schema: no other session sees even its name.
        const staged = await two.db.owner.raw(`select count(*)::int as n from pg_class where relname = 'import_rows_stage'`);
        expect(staged.rows[0].n).toBe(0);
        await expect(asFirm(two.other, (trx) => trx.raw('select * from pg_temp.import_rows_stage'))).rejects.toThrow(/does not exist/);
        expect(await asFirm(two.other, (trx) => trx('import_rows').where({ import_id: importId }).count({ n: '*' }))).toEqual([{ n: 0 }]);
      } finally {
        release();
      }
      await write;
      expect(await storedCount(importId)).toBe(docs.length);
      expect(await asFirm(two.other, (trx) => trx('import_rows').count({ n: '*' }))).toEqual([{ n: 0 }]);
      expect(await asFirm(two.firm, (trx) => trx('import_rows').where({ import_id: importId }).count({ n: '*' }))).toEqual([{ n: docs.length }]);
    });

    it('is stopped by the period lock like any insert, and writes nothing', async () => {
      const period = '2024-03';
      const { importId, clientId } = await newImport(two.firm, period);
      await two.db.owner.transaction(async (trx) => {
        await trx.raw(`select set_config('app.firm_id', ?, true)`, [two.firm.id]);
        await trx('periods').insert({ firm_id: two.firm.id, client_id: clientId, period });
        await trx('periods').where({ firm_id: two.firm.id, client_id: clientId, period }).update({ state: 'close_requested' });
        await trx('periods').where({ firm_id: two.firm.id, client_id: clientId, period }).update({ state: 'closed' });
      });
      const write = asFirm(two.firm, (trx) => writeText(trx, { importId, clientId, period }, Array.from({ length: 3_000 }, (_, i) => ({ n: i }))));
      await expect(write).rejects.toThrow(/period_closed/);
      expect(await storedCount(importId)).toBe(0);
    });
  });

  describe('result rows, made a row at a time as the COPY takes them (insertResultRows)', () => {
    /**
     * Rows of 1–3 KB of text unlike each other, more than four chunks' worth: their lengths vary,
     * so a chunk written over bytes still being sent would shift, cut or repeat rows. Awkward
     * text in every field.
     */
    const longRows = (): StoredResult[] => Array.from({ length: 9_000 }, (_, i) => {
      const text = AWKWARD_TEXTS[i % AWKWARD_TEXTS.length]!;
      return { category: `c${i % 5}`, supplierGstin: i % 3 === 0 ? text : `G${i}`, row: { n: i, text, pad: `${i}:`.repeat(200 + ((i * 37) % 400)) } };
    });

    /** Whether the run's stored rows are the rows written, in order; else the first that is not. */
    const storedAsWritten = async (runId: string, rows: readonly StoredResult[]): Promise<unknown> => {
      const back: Array<{ seq: number; category: string; supplier_gstin: string; row: unknown }> = await two.db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'category', 'supplier_gstin', 'row');
      if (back.length !== rows.length) return { stored: back.length, written: rows.length };
      const wrong = back.findIndex((r, i) => r.seq !== i || r.category !== rows[i]!.category || r.supplier_gstin !== rows[i]!.supplierGstin || !isDeepStrictEqual(r.row, rows[i]!.row));
      return wrong === -1 ? 'all rows as written' : { seq: wrong, stored: back[wrong] };
    };

    it('round-trips result rows, their category and supplier text exactly', async () => {
      const { runId, clientId } = await newRun(two.firm);
      const rows: StoredResult[] = AWKWARD_TEXTS.map((text, i) => ({ category: `matched ${text}`, supplierGstin: text, row: { id: `r${i}`, note: text, reasons: [text] } }));
      const asked: Array<[number, number]> = [];
      await asFirm(two.firm, (trx) => insertResultRows(trx, { firmId: two.firm.id, clientId, period: PERIOD, runId }, sourceOf(rows, asked)));
      expect(asked).toEqual([[0, rows.length]]); // each row asked for once
      const back = await two.db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'category', 'supplier_gstin', 'row');
      expect(back).toEqual(rows.map((r, i) => ({ seq: i, category: r.category, supplier_gstin: r.supplierGstin, row: r.row })));
    });

    it(`writes more than one chunk (${CHUNK.toLocaleString('en-IN')} rows) in order, each row asked for once, with progress every batch`, async () => {
      const { runId, clientId } = await newRun(two.firm);
      const rows: StoredResult[] = Array.from({ length: CHUNK + 2_345 }, (_, i) => ({ category: 'matched', supplierGstin: i % 7 === 0 ? 'x\ty' : 'z', row: { n: i } }));
      const asked: Array<[number, number]> = [];
      const progress: number[] = [];
      await asFirm(two.firm, (trx) => insertResultRows(trx, { firmId: two.firm.id, clientId, period: PERIOD, runId }, sourceOf(rows, asked), (done) => void progress.push(done)));
      // Batches of ROW_BATCH, one after the other, the last one short.
      expect(asked).toEqual(Array.from({ length: Math.ceil(rows.length / ROW_BATCH) }, (_, k) => [k * ROW_BATCH, Math.min((k + 1) * ROW_BATCH, rows.length)]));
      expect(progress[progress.length - 1]).toBe(rows.length);
      expect(progress.every((done, i) => i === 0 || done > progress[i - 1]!)).toBe(true);
      const back: Array<{ seq: number; supplier_gstin: string; row: { n: number } }> = await two.db.owner('reconciliation_results').where({ run_id: runId }).orderBy('seq').select('seq', 'supplier_gstin', 'row');
      expect(back.length).toBe(rows.length);
      expect(back.findIndex((r, i) => r.seq !== i || r.row.n !== i || r.supplier_gstin !== rows[i]!.supplierGstin)).toBe(-1);
    });

    it(`writes more than two chunks of about ${CHUNK_BYTES / 2 ** 20} MB (each written into a block reused from the chunk before last), each row exactly`, async () => {
      const { runId, clientId } = await newRun(two.firm);
      const rows = longRows();
      await asFirm(two.firm, async (trx) => {
        await insertResultRows(trx, { firmId: two.firm.id, clientId, period: PERIOD, runId }, sourceOf(rows));
        // Each move is one INSERT statement: its rows share a command id.
        const movesMade = await trx.raw(`select count(distinct cmin::text::int)::int as n from reconciliation_results where run_id = ?`, [runId]);
        expect(movesMade.rows[0].n).toBeGreaterThanOrEqual(4);
      });
      expect(await storedAsWritten(runId, rows)).toBe('all rows as written');
    });

    it('leaves the bytes of a chunk untouched while the socket still holds them, the next chunk being written meanwhile', async () => {
      const { runId, clientId } = await newRun(two.firm);
      const rows = longRows();
      let held = 0;
      await asFirm(two.firm, async (trx) => {
        // The connection's socket made slow: a COPY's messages (the chunk's own bytes, not copies)
        // are held until its CopyDone and sent 100 ms later, when the lookahead has written the
        // next chunk's text, as a socket with full buffers would hold them.
        const client = (await trx.client.acquireConnection()) as { connection: { stream: { write(b: Uint8Array): boolean } } };
        const stream = client.connection.stream;
        const write = stream.write.bind(stream);
        let holding: Uint8Array[] | null = null;
        stream.write = (b: Uint8Array) => {
          // A message's 5-byte header (type, length) is written apart from the chunk it frames.
          const header = b.length === 5 ? b[0] : undefined;
          if (holding === null && header === 0x64) holding = []; // CopyData
          if (holding === null) return write(b);
          holding.push(b);
          if (header === 0x63) { // CopyDone
            const messages = holding;
            holding = null;
            held += 1;
            setTimeout(() => messages.forEach((m) => write(m)), 100);
          }
          return true;
        };
        try {
          await insertResultRows(trx, { firmId: two.firm.id, clientId, period: PERIOD, runId }, sourceOf(rows));
        } finally {
          stream.write = write;
        }
      });
      expect(held).toBeGreaterThanOrEqual(4);
      expect(await storedAsWritten(runId, rows)).toBe('all rows as written');
    });

    it('leaves nothing when the database refuses a row in the second chunk', async () => {
      const { runId, clientId } = await newRun(two.firm);
      // A lone surrogate: JSON.stringify writes it as \ud800, which jsonb refuses.
      const rows: StoredResult[] = Array.from({ length: CHUNK + 100 }, (_, i) => ({ category: 'matched', supplierGstin: 'g', row: { n: i, text: i === CHUNK + 50 ? 'bad \ud800' : 'ok' } }));
      const write = asFirm(two.firm, (trx) => insertResultRows(trx, { firmId: two.firm.id, clientId, period: PERIOD, runId }, sourceOf(rows)));
      await expect(write).rejects.toThrow(/invalid input syntax for type json/);
      expect(await storedResults(runId)).toBe(0);
    });

    it('fails with the error of a row in the second chunk, built while the first chunk moves, and writes nothing', async () => {
      const { runId, clientId } = await newRun(two.firm);
      const failure = new Error('this row cannot be written');
      const rows: StoredResult[] = Array.from({ length: CHUNK + 30_000 }, (_, i) => ({ category: 'matched', supplierGstin: 'g', row: { n: i } }));
      let asked = false;
      // JSON.stringify calls toJSON as the lookahead builds the second chunk's text: it starts once
      // the first chunk's text has been handed to its COPY, and this row comes after its first piece.
      rows[CHUNK + 20_000] = {
        category: 'matched',
        supplierGstin: 'g',
        row: {
          toJSON: () => {
            asked = true;
            throw failure;
          },
        },
      };
      const scope = { firmId: two.firm.id, clientId, period: PERIOD, runId };
      await expect(asFirm(two.firm, (trx) => insertResultRows(trx, scope, sourceOf(rows)))).rejects.toThrow(failure.message);
      expect(asked).toBe(true);
      expect(await storedResults(runId)).toBe(0);
      // The pool's connections are usable for the next write.
      await asFirm(two.firm, (trx) => insertResultRows(trx, scope, sourceOf(rows.slice(0, 1))));
      expect(await storedResults(runId)).toBe(1);
    });
  });
});
