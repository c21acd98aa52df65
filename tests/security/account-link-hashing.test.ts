/**
 * Invitation links accepted and reset links used at once (docs/security-limits.md, "Account links"):
 * the new password is hashed (argon2id, slow under load) before the request opens the transaction
 * that uses the link, so a hash in progress holds no database connection, row lock or audit lock.
 * They used to hash inside that transaction: links used at once held the pool's connections while
 * they hashed (and an acceptance waited there for a second connection, so as many acceptances as
 * the pool has connections held each other up until the pool's wait ended: 503 for all), and a
 * reset held the firm's audit lock, so every audited write of the firm waited for its hash.
 *
 * The test holds every hash of these requests (argon2's `hash`, stopped on a gate) and sends more
 * links than the pool has connections, two of them twice. It waits until each request is either
 * hashing or answered (state, never the clock), then asks that: none was answered, none hashes
 * inside a transaction, no invitation or reset row and no advisory lock is held, and the firm's
 * admin can still read its users and make an audited write. Then the hashes go on: every link is
 * used once (the second of a double submission gets 410 as before), and using a link again gets 410.
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { hashLinkToken } from '../../db/follow-ups';
import { currentContext } from '../../db/request-context';
import { call, login, startTestApi, type CallResult, type TestApi } from '../harness/api';
import { createTestDatabase, type TestDatabase } from '../harness/database';
import { eventually, within } from '../harness/eventually';
import { createTestFirm, validGstin, type TestFirm } from '../harness/factories';

jest.setTimeout(240_000);

const POOL = 4;
const NEW_PASSWORD = 'a fresh and long passphrase 77';

describe('account links used at once', () => {
  let db: TestDatabase;
  let api: TestApi;
  let firm: TestFirm;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: POOL });
    // A deadline far beyond any step here: the held hashes end only when the test lets them.
    api = await startTestApi(db, { maxSessionsPerUser: 10 }, { limits: { requestTimeoutMs: 200_000 } });
    firm = await createTestFirm(db);
    token = await login(api, firm.users.firm_admin.email, firm.users.firm_admin.password);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  /** A link of `table` for the firm, written as the api writes it: only the token's digest is stored. */
  async function link(table: 'account_invitations' | 'password_resets', row: Record<string, unknown>): Promise<string> {
    const linkToken = randomBytes(32).toString('base64url');
    await db.owner(table).insert({ firm_id: firm.id, token_hash: hashLinkToken(linkToken), expires_at: new Date(Date.now() + 20 * 60_000), ...row });
    return linkToken;
  }

  it('hashes outside any transaction: the firm is served meanwhile, and each link is used once', async () => {
    const invitees = Array.from({ length: POOL }, () => `invitee.${randomBytes(4).toString('hex')}@people.test`);
    const invitations = await Promise.all(invitees.map((email) => link('account_invitations', { email, name: 'Invited Person', role: 'staff', invited_by: firm.users.firm_admin.id })));
    // Not the admin: a reset signs its user out everywhere, and the admin's session asks below.
    const resetUsers = [firm.users.manager, firm.users.reviewer, firm.users.staff, firm.users.client];
    const resets = await Promise.all(resetUsers.map((user) => link('password_resets', { user_id: user.id })));
    // More links than the pool has connections, the first of each kind sent twice (a double submission).
    const sends = [
      ...invitations.map((t) => ({ kind: 'accept', token: t })),
      { kind: 'accept', token: invitations[0]! },
      ...resets.map((t) => ({ kind: 'reset', token: t })),
      { kind: 'reset', token: resets[0]! },
    ];

    // Every hash of the new password waits on the gate; other hashes (none expected) go through.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const hashing: { inTransaction: boolean }[] = [];
    const realHash = argon2.hash.bind(argon2);
    const spy = jest.spyOn(argon2, 'hash').mockImplementation(((password: string, options: Parameters<typeof argon2.hash>[1]) => {
      if (password !== NEW_PASSWORD) return realHash(password, options);
      // The caller's request context: a tenant transaction open around this call would be in it.
      hashing.push({ inTransaction: Boolean(currentContext()?.trx) });
      return gate.then(() => realHash(password, options));
    }) as typeof argon2.hash);

    const answered: CallResult[] = [];
    let answers: Promise<CallResult[]> | undefined;
    try {
      answers = Promise.all(
        sends.map((send) => {
          const sent = send.kind === 'accept'
            ? call(api, 'POST', `/api/invitations/by-token/${send.token}/accept`, { body: { password: NEW_PASSWORD } })
            : call(api, 'POST', `/api/auth/password-reset/${send.token}`, { body: { newPassword: NEW_PASSWORD } });
          return sent.then((res) => (answered.push(res), res));
        }),
      );
      // Each request is hashing or has been answered (a request that held the pool's connections
      // while it hashed left the others to the pool's wait, then 503).
      await eventually('every link request hashing or answered', () => hashing.length + answered.length === sends.length, 120_000);

      const invitationRowLocks = await db.owner.raw(
        // This database's only: databases cloned from one template give these tables the same oids, so
        // another suite's link row locked in its own database would count here otherwise.
        `select count(*)::int as n from pg_locks where mode = 'RowShareLock' and relation in ('account_invitations'::regclass, 'password_resets'::regclass)
            and database = (select oid from pg_database where datname = current_database())`,
      );
      const advisory = await db.owner.raw(`select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())`);
      expect({
        answeredWhileHashing: answered.map((res) => `${res.status} ${res.body?.error?.code ?? ''}`),
        hashingInATransaction: hashing.filter((h) => h.inTransaction).length,
        linkRowsLocked: invitationRowLocks.rows[0].n,
        advisoryLocksHeld: advisory.rows[0].n,
      }).toEqual({ answeredWhileHashing: [], hashingInATransaction: 0, linkRowsLocked: 0, advisoryLocksHeld: 0 });

      // The firm's other requests go on: a read, and an audited write (which takes the firm's audit lock).
      const listed = await within('the firm’s user list while the links hash', 60_000, call(api, 'GET', '/api/users?limit=5', { token }));
      const created = await within(
        'a client created while the links hash',
        60_000,
        call(api, 'POST', '/api/clients', { token, body: { name: 'Served Meanwhile', gstin: validGstin(), email: 'served@client.test', filingFrequency: 'monthly' } }),
      );
      expect({ listed: listed.status, created: created.status, error: created.status === 201 ? null : created.body }).toEqual({ listed: 200, created: 201, error: null });
    } finally {
      open();
    }
    const results = await within('the link requests', 120_000, answers!);
    spy.mockRestore();
    const outcome = (kind: string, linkToken: string) =>
      sends
        .map((send, n) => ({ send, res: results[n]! }))
        .filter(({ send }) => send.kind === kind && send.token === linkToken)
        .map(({ res }) => `${res.status} ${res.body?.error?.code ?? ''}`.trim())
        .sort();
    expect({
      doubleAccept: outcome('accept', invitations[0]!),
      otherAccepts: invitations.slice(1).map((t) => outcome('accept', t)),
      doubleReset: outcome('reset', resets[0]!),
      otherResets: resets.slice(1).map((t) => outcome('reset', t)),
    }).toEqual({
      doubleAccept: ['201', '410 link_expired'],
      otherAccepts: invitations.slice(1).map(() => ['201']),
      doubleReset: ['204', '410 link_expired'],
      otherResets: resets.slice(1).map(() => ['204']),
    });

    // One account per invitation, signing in with the new password; every reset user too.
    const accounts = (await db.owner('users').where({ firm_id: firm.id }).whereIn('email', invitees).pluck('email')) as string[];
    expect(accounts.sort()).toEqual([...invitees].sort());
    for (const email of [invitees[0]!, resetUsers[0]!.email]) expect((await call(api, 'POST', '/api/auth/login', { body: { email, password: NEW_PASSWORD } })).status).toBe(200);

    // A link used already is refused, as before (a replay).
    const replays = await Promise.all([
      call(api, 'POST', `/api/invitations/by-token/${invitations[1]}/accept`, { body: { password: NEW_PASSWORD } }),
      call(api, 'POST', `/api/auth/password-reset/${resets[1]}`, { body: { newPassword: NEW_PASSWORD } }),
    ]);
    expect(replays.map((res) => `${res.status} ${res.body?.error?.code}`)).toEqual(['410 link_expired', '410 link_expired']);
  });
});
