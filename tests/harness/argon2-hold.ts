/**
 * For tests of the slow password steps (argon2id hashing and verification): holds the calls a test
 * picks until it lets them go, and records for each call whether a tenant transaction was open in
 * the caller's request context around it. A test then waits on state (each request holding its
 * argon2 step, or answered), never on the clock, and sees what was held while the step ran.
 */
import argon2 from 'argon2';
import type { Knex } from 'knex';
import { currentContext } from '../../db/request-context';

/** One argon2 call: whether a tenant transaction was open around it, and whether the test held it. */
export type Argon2Call = { password: string; inTransaction: boolean; held: boolean };

export type Argon2Holds = {
  /** `hash` picks which hashes to hold (by password); `verify` which verifications (by password and the call's number, from 0). */
  hash?: (password: string) => boolean;
  verify?: (password: string, n: number) => boolean;
};

export function holdArgon2(holds: Argon2Holds) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const hashing: Argon2Call[] = [];
  const verifying: Argon2Call[] = [];
  const realHash = argon2.hash.bind(argon2);
  const realVerify = argon2.verify.bind(argon2);
  const inTransaction = () => Boolean(currentContext()?.trx);
  const hash = jest.spyOn(argon2, 'hash').mockImplementation(((password: string, options: Parameters<typeof argon2.hash>[1]) => {
    const held = holds.hash?.(password) ?? false;
    hashing.push({ password, inTransaction: inTransaction(), held });
    return held ? gate.then(() => realHash(password, options)) : realHash(password, options);
  }) as typeof argon2.hash);
  const verify = jest.spyOn(argon2, 'verify').mockImplementation(((digest: string, password: string | Buffer, options?: Parameters<typeof argon2.verify>[2]) => {
    const held = holds.verify?.(String(password), verifying.length) ?? false;
    verifying.push({ password: String(password), inTransaction: inTransaction(), held });
    return held ? gate.then(() => realVerify(digest, password, options)) : realVerify(digest, password, options);
  }) as typeof argon2.verify);
  return {
    /** Every hash made while installed, held or not. */
    hashing,
    /** Every verification made while installed, held or not. */
    verifying,
    held: () => [...hashing, ...verifying].filter((call) => call.held),
    open: () => open(),
    restore() {
      open();
      hash.mockRestore();
      verify.mockRestore();
    },
  };
}

/**
 * Row locks on the users' and sessions' tables (SELECT … FOR … and UPDATE both take their table's
 * ROW SHARE or ROW EXCLUSIVE lock while the row lock lasts) and advisory locks (the audit trigger's
 * firm lock), of this database only: databases cloned from one template share relation oids.
 */
export async function userLocksHeld(owner: Knex): Promise<{ userOrSessionRowLocks: number; advisoryLocks: number }> {
  const { rows } = await owner.raw(
    `select count(*) filter (where mode in ('RowShareLock', 'RowExclusiveLock') and relation in ('users'::regclass, 'sessions'::regclass))::int as rows,
            count(*) filter (where locktype = 'advisory')::int as advisory
       from pg_locks where database = (select oid from pg_database where datname = current_database()) and pid <> pg_backend_pid()`,
  );
  return { userOrSessionRowLocks: rows[0].rows, advisoryLocks: rows[0].advisory };
}
