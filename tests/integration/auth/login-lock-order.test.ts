/**
 * A sign-in locks its user's row before its audited writes take the firm's audit lock. Another
 * transaction of the same firm may hold that audit lock and then insert a row that references the
 * user (a foreign key check takes FOR KEY SHARE on the user's row). If the sign-in's row lock were
 * FOR UPDATE, the two would wait on each other and PostgreSQL would abort one: a 500 at sign-in,
 * seen when a notice's workflow wrote beside a manager signing in. The sign-in takes FOR NO KEY
 * UPDATE, which still puts concurrent sign-ins of one user in line but lets key checks through.
 */
import { call, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

describe('sign-in beside an audited write of the same firm', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startTestApi(db);
    firm = await createTestFirm(db);
  });
  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('signs in while another transaction holds the audit lock and then checks a key of the user', async () => {
    const user = firm.users.manager;
    const trx = await db.owner.transaction();
    let keyCheck: 'granted' | string = 'not tried';
    try {
      // What the audit trigger takes for every audited write of this firm (migration 002).
      await trx.raw(`select pg_advisory_xact_lock(hashtextextended('taalmel.audit:' || ?::text, 0))`, [firm.id]);
      const signIn = call(api, 'POST', '/api/auth/login', { body: { email: user.email, password: user.password } });
      // Wait, by state and not by time, until the sign-in holds the user's row and waits for the audit lock.
      for (;;) {
        const waiting = await db.owner.raw(`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`);
        if (waiting.rows[0].n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      try {
        // The lock a foreign key check takes on the referenced user row.
        await trx.raw('select id from users where id = ? for key share', [user.id]);
        keyCheck = 'granted';
      } catch (error) {
        keyCheck = (error as Error).message;
      }
      await trx.commit();
      const res = await signIn;
      expect({ keyCheck, status: res.status, error: res.status === 200 ? null : res.body }).toEqual({ keyCheck: 'granted', status: 200, error: null });
    } finally {
      if (!trx.isCompleted()) await trx.rollback();
    }
  });
});
