/**
 * A result row too long to store (db/recon-rows.ts, `MAX_RESULT_LINE`) fails the write before any
 * of its chunk is sent: the server never sees a line it would refuse (or, past 1 GB, a message that
 * ends the connection), the error names the row but nothing it holds, nothing is stored, and the
 * connection is usable after. The limit is lowered for the test (`writeResultRowLine`'s `maxLine`)
 * rather than hundreds of MB being written.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { CHUNK, copyThroughStage } from '../../../db/copy-rows';
import { type StoredResult, writeResultRowLine } from '../../../db/recon-rows';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { asStaffOf, createTestFirm, type TestFirm } from '../../harness/factories';

const PERIOD = '2024-06';
const LIMIT = 1024;

describe('a result row too long to store', () => {
  let db: TestDatabase;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 1 });
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await db.drop();
  });

  const asFirm = <T>(fn: (trx: Knex.Transaction) => Promise<T>) => asStaffOf(db, firm, fn);

  it('fails its chunk before any of it is sent, naming the row but not its text, and writes nothing', async () => {
    const clientId = firm.clients[0]!.id;
    const [imported] = await db.owner('imports').insert({ firm_id: firm.id, client_id: clientId, kind: 'gstr2b', period: PERIOD, filename: 'x.json' }).returning('id');
    const importId = (imported as { id: string }).id;
    const [run] = await db.owner('reconciliation_runs')
      .insert({ firm_id: firm.id, client_id: clientId, period: PERIOD, register_import_id: importId, gstr2b_import_id: importId, workflow_id: `copy-${randomUUID()}` })
      .returning('id');
    const runId = (run as { id: string }).id;
    const tooLong = CHUNK + 50;
    // The second chunk's first row, and the long row's text: neither may reach the socket.
    const rows: StoredResult[] = Array.from({ length: CHUNK + 100 }, (_, i) => ({
      category: 'matched',
      supplierGstin: 'g',
      row: { n: i, note: i === CHUNK ? 'FIRST-OF-SECOND-CHUNK' : i === tooLong ? 'LONG-NARRATION '.repeat(200) : 'ok' },
    }));

    const sent: Buffer[] = [];
    let caught: { error: Error; moved: number } | undefined;
    const writing = asFirm(async (trx) => {
      const client = (await trx.client.acquireConnection()) as { connection: { stream: { write(b: Uint8Array): boolean } } };
      const stream = client.connection.stream;
      const write = stream.write.bind(stream);
      stream.write = (b: Uint8Array) => (sent.push(Buffer.from(b)), write(b));
      try {
        await copyThroughStage(trx, {
          stage: 'reconciliation_results_stage',
          columns: [['seq', 'int'], ['category', 'text'], ['supplier_gstin', 'text'], ['row', 'jsonb']],
          count: rows.length,
          rows: { write: (block, i) => writeResultRowLine(block, i, rows[i]!, LIMIT) },
          insert: {
            sql: `insert into reconciliation_results (firm_id, client_id, run_id, period, seq, category, supplier_gstin, row)
                  select ?::uuid, ?::uuid, ?::uuid, ?, s.seq, s.category, s.supplier_gstin, s.row from pg_temp.reconciliation_results_stage s`,
            bindings: [firm.id, clientId, runId, PERIOD],
          },
        });
      } catch (error) {
        // The connection is not left inside a COPY: the transaction goes on, then rolls back.
        const moved = await trx.raw(`select count(*)::int as n from reconciliation_results where run_id = ?`, [runId]);
        caught = { error: error as Error, moved: moved.rows[0].n as number };
        throw error;
      } finally {
        stream.write = write;
      }
    });

    await expect(writing).rejects.toThrow(/^result row /);
    const text = Buffer.concat(sent).toString('latin1');
    expect({
      name: caught?.error.name,
      message: caught?.error.message.replace(/\d+ bytes/, 'N bytes'),
      quotes: caught?.error.message.includes('LONG-NARRATION'),
      firstChunkMoved: caught?.moved,
      firstChunkSent: text.includes(`${CHUNK - 1}\tmatched`),
      secondChunkSent: text.includes('FIRST-OF-SECOND-CHUNK') || text.includes('LONG-NARRATION'),
    }).toEqual({
      name: 'ResultRowTooLarge',
      message: `result row ${tooLong} is N bytes of COPY text, more than the ${LIMIT} one row may be`,
      quotes: false,
      firstChunkMoved: CHUNK,
      firstChunkSent: true,
      secondChunkSent: false,
    });
    expect(Number((await db.owner('reconciliation_results').where({ run_id: runId }).count({ n: '*' }))[0]!.n)).toBe(0);
    // The pool's one connection is usable for the next write.
    expect((await asFirm((trx) => trx.raw('select 1 as one'))).rows).toEqual([{ one: 1 }]);
  });
});
