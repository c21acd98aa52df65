/**
 * Marking notifications read: one (own only; another person's or another firm's is 404 and stays
 * unread; a second mark keeps the first time) and all of the caller's at once.
 */
import { call, login, startTestApi, type TestApi } from '../../harness/api';
import { createTestDatabase, type TestDatabase } from '../../harness/database';
import { createTestFirm, type TestFirm } from '../../harness/factories';

jest.setTimeout(120_000);

describe('marking notifications read', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let other: TestFirm;

  const notify = async (firmId: string, userId: string) =>
    (await db.owner('notifications').insert({ firm_id: firmId, user_id: userId, kind: 'test.note', payload: { n: 1 } }).returning('id'))[0].id as string;
  const readAt = async (id: string) => (await db.owner('notifications').where({ id }).first('read_at')).read_at as Date | null;

  beforeAll(async () => {
    db = await createTestDatabase();
    firm = await createTestFirm(db, 'Read Firm');
    other = await createTestFirm(db, 'Other Read Firm');
    api = await startTestApi(db);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('marks one own notification, keeps its first readAt, and refuses others as not found', async () => {
    const token = await login(api, firm.users.staff.email, firm.users.staff.password);
    const mine = await notify(firm.id, firm.users.staff.id);
    const colleagues = await notify(firm.id, firm.users.manager.id);
    const otherFirms = await notify(other.id, other.users.staff.id);

    const first = await call(api, 'POST', `/api/notifications/${mine}/read`, { token });
    expect({ status: first.status, id: first.body.id, readAt: typeof first.body.readAt }).toEqual({ status: 200, id: mine, readAt: 'string' });
    const stored = await readAt(mine);
    expect(stored).not.toBeNull();
    const again = await call(api, 'POST', `/api/notifications/${mine}/read`, { token });
    expect(again.status).toBe(200);
    expect(new Date(again.body.readAt).getTime()).toBe(new Date(first.body.readAt).getTime());
    expect(await readAt(mine)).toEqual(stored);

    for (const id of [colleagues, otherFirms, '00000000-0000-4000-8000-000000000000']) {
      const res = await call(api, 'POST', `/api/notifications/${id}/read`, { token });
      expect({ id, status: res.status, code: res.body.error?.code }).toEqual({ id, status: 404, code: 'not_found' });
    }
    expect(await readAt(colleagues)).toBeNull();
    expect(await readAt(otherFirms)).toBeNull();

    const listed = await call(api, 'GET', '/api/notifications', { token });
    expect(listed.body.items.find((n: { id: string }) => n.id === mine).readAt).toBe(first.body.readAt);
  });

  it('marks all of the caller\'s unread notifications, and only theirs', async () => {
    const token = await login(api, firm.users.reviewer.email, firm.users.reviewer.password);
    const a = await notify(firm.id, firm.users.reviewer.id);
    const b = await notify(firm.id, firm.users.reviewer.id);
    const colleagues = await notify(firm.id, firm.users.manager.id);
    const res = await call(api, 'POST', '/api/notifications/read', { token });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { marked: 2 } });
    expect(await readAt(a)).not.toBeNull();
    expect(await readAt(b)).not.toBeNull();
    expect(await readAt(colleagues)).toBeNull();
    const again = await call(api, 'POST', '/api/notifications/read', { token });
    expect(again.body).toEqual({ marked: 0 });
  });
});
