/**
 * The filing frequency in force for a client's period has one source (db/client-frequency.ts,
 * docs/calendar.md "Filing frequency"): a change applies from a quarter's first month on, earlier
 * periods keep theirs, a client with no recorded change files at its own frequency for every period,
 * and a client the transaction cannot see files monthly. Each caller (the follow-ups' item names, the
 * import period check, the periods API) gives the same answers for the same table. Real PostgreSQL,
 * through the application role (row-level security applies).
 */
import type { Knex } from 'knex';
import { ApiError } from '../../../api/errors';
import { assertImportPeriod } from '../../../api/imports/period-frequency';
import { clientFrequencies, clientFrequencyAt } from '../../../db/client-frequency';
import { followUpPeriodNames } from '../../../db/follow-up-period-labels';
import { Client } from '../../../db/models/client';
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { asStaffOf, createTestFirm, validGstin, type TestFirm } from '../../harness/factories';

type Frequency = 'monthly' | 'quarterly';

describe('the filing frequency in force for a client period', () => {
  let db: TestDatabase;
  let firm: TestFirm;
  let other: TestFirm;
  let api: TestApi;
  let token: string;
  // Monthly until 2025-06, quarterly for July–December 2025, monthly again from January 2026 (two changes within FY 2025-26).
  let changed: string;
  // Created quarterly and never changed: no row in client_frequency_changes.
  let unchanged: string;
  // Another firm's quarterly client: not visible to this firm's transactions.
  let foreign: string;

  const insertClient = async (trx: Knex.Transaction, target: TestFirm, name: string, frequency: Frequency): Promise<string> => {
    await trx.raw(`select set_config('app.firm_id', ?, true)`, [target.id]);
    const [row] = await trx('clients')
      .insert({ firm_id: target.id, name, gstin: validGstin(), email: `${name.split(' ')[0]!.toLowerCase()}@frequency.example`, filing_frequency: frequency, state_code: '27' })
      .returning('id');
    return (row as { id: string }).id;
  };

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 3 });
    firm = await createTestFirm(db, 'Frequency firm');
    other = await createTestFirm(db, 'Other firm');
    await db.owner.transaction(async (trx) => {
      changed = await insertClient(trx, firm, 'Changing Traders', 'monthly');
      await trx('client_frequency_changes').insert([
        { firm_id: firm.id, client_id: changed, from_period: '2025-07', frequency: 'quarterly', previous_frequency: 'monthly' },
        { firm_id: firm.id, client_id: changed, from_period: '2026-01', frequency: 'monthly', previous_frequency: 'quarterly' },
      ]);
      unchanged = await insertClient(trx, firm, 'Steady Quarterly', 'quarterly');
      foreign = await insertClient(trx, other, 'Foreign Quarterly', 'quarterly');
    });
    api = await startTestApi(db);
    token = await login(api, firm.users.staff.email, firm.users.staff.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  // Written out rather than computed, so the test does not share the code it checks.
  const TABLE: Array<[who: () => string, period: string, expected: Frequency]> = [
    [() => changed, '2025-04', 'monthly'],
    [() => changed, '2025-06', 'monthly'],
    [() => changed, '2025-07', 'quarterly'],
    [() => changed, '2025-11', 'quarterly'],
    [() => changed, '2025-12', 'quarterly'],
    [() => changed, '2026-01', 'monthly'],
    [() => changed, '2026-08', 'monthly'],
    [() => unchanged, '2017-07', 'quarterly'],
    [() => unchanged, '2025-08', 'quarterly'],
    [() => unchanged, '2026-12', 'quarterly'],
    [() => foreign, '2025-08', 'monthly'],
  ];
  const name = (id: string) => (id === changed ? 'changed' : id === unchanged ? 'unchanged' : 'foreign');
  const expected = () => TABLE.map(([who, period, frequency]) => `${name(who())} ${period}: ${frequency}`);

  it('answers each client and period by the change in force, for a whole table in one read', async () => {
    const seen = await asStaffOf(db, firm, async (trx) => {
      const frequencyOf = await clientFrequencies(trx, firm.id, TABLE.map(([who]) => who()));
      return TABLE.map(([who, period]) => `${name(who())} ${period}: ${frequencyOf(who(), period)}`);
    });
    expect(seen).toEqual(expected());
    // One client at a time gives the same answers.
    const single = await asStaffOf(db, firm, async (trx) => {
      const answers: string[] = [];
      for (const [who, period] of TABLE) answers.push(`${name(who())} ${period}: ${await clientFrequencyAt(trx, firm.id, who(), period)}`);
      return answers;
    });
    expect(single).toEqual(expected());
  });

  it("names follow-up items by the same answers", async () => {
    const seen = await asStaffOf(db, firm, async (trx) => {
      const rows = TABLE.map(([who], i) => ({ id: `row-${i}`, clientId: who(), deadline: null }));
      const { frequencyOf } = await followUpPeriodNames(trx, firm.id, rows);
      return TABLE.map(([who, period]) => `${name(who())} ${period}: ${frequencyOf(who(), period)}`);
    });
    expect(seen).toEqual(expected());
  });

  it('checks import periods by the same answers: a month inside a quarter is refused only while the client files quarterly', async () => {
    const refusal = async (clientId: string, period: string): Promise<string> =>
      asStaffOf(db, firm, async (trx) => {
        const client = await Client.query().findById(clientId);
        if (!client) return 'client not found';
        try {
          await assertImportPeriod(trx, client, 'purchase_register', period, '2026-12-07');
          return `${period}: taken`;
        } catch (error) {
          if (error instanceof ApiError) return `${period}: ${error.code}`;
          throw error;
        }
      });
    const seen = [
      await refusal(changed, '2025-05'),
      await refusal(changed, '2025-08'),
      await refusal(changed, '2025-09'),
      await refusal(changed, '2026-02'),
      await refusal(unchanged, '2024-05'),
      await refusal(unchanged, '2024-06'),
    ];
    expect(seen).toEqual(['2025-05: taken', '2025-08: period_not_quarter_end', '2025-09: taken', '2026-02: taken', '2024-05: period_not_quarter_end', '2024-06: taken']);
  });

  it('labels the periods API answers by the same answers', async () => {
    const label = async (clientId: string, period: string) => {
      const answer = await call(api, 'GET', `/api/clients/${clientId}/periods/${period}`, { token });
      return `${answer.status} ${answer.body.periodLabel ?? answer.body.error?.code}`;
    };
    const seen = [await label(changed, '2025-06'), await label(changed, '2025-09'), await label(changed, '2026-03'), await label(unchanged, '2024-06')];
    expect(seen).toEqual(['200 Jun 2025', '200 Q2 FY 2025-26 (Jul–Sep 2025)', '200 Mar 2026', '200 Q1 FY 2024-25 (Apr–Jun 2024)']);
  });
});
