import type { Knex } from 'knex';

/**
 * A bulk row table's foreign key to its parent, `(firm_id, <column>) → <parent> (firm_id, id) ON
 * DELETE CASCADE`, replaced by triggers that keep everything it enforced while checking once a
 * statement instead of once a row (PostgreSQL checks a key with one lookup of the parent, and its
 * `FOR KEY SHARE` lock, for every row a COPY moves in). The one source of that rule: the import
 * rows' tie to their import (migration 040) and the result rows' to their run (migration 043).
 *
 * - A statement that writes rows of the child (inserts them, or changes any column: a transition
 *   table cannot name columns) is checked once, after it, over its rows: each parent it names must
 *   exist in the row's firm, and is locked `FOR KEY SHARE` as the key's check locks it, so a delete
 *   of the parent waits for the writing transaction, and a write waits for a delete in flight and
 *   then finds the parent gone. Refused with the key's own error code and constraint name. The
 *   trigger's name sorts before the period lock's (`<child>_period_lock_ins`), so a statement both
 *   would refuse gets the key's error first, as it did from the key's row triggers.
 * - Deleting a parent deletes its rows (the key's ON DELETE CASCADE, a row at a time as the key did).
 * - A parent's firm or id never changes while it has rows (the key's NO ACTION), and the parents
 *   are never truncated without their rows: checked AFTER the truncate, when every table the one
 *   statement names has been emptied, so `TRUNCATE <parent>, <child>` passes as it did with the key,
 *   and `TRUNCATE <parent>` alone is refused (the whole statement undone) while rows exist.
 *
 * The functions run as the tables' owner (SECURITY DEFINER; the owner has superuser or BYPASSRLS,
 * as backups require), so, like the key's own queries, they see every firm's rows: the check and
 * the cascade do not depend on the writer's firm setting. That makes them dangerous to lend: anyone
 * with EXECUTE could put them on a table of their own (a temporary table needs no other right) and
 * have the owner delete, read or lock another firm's rows. So EXECUTE is revoked from PUBLIC and
 * granted to no one (a trigger's function is called without that right once the trigger exists;
 * only CREATE TRIGGER needs it), and each function refuses to run for any table but its own.
 *
 * The cascade deletes the rows its statement can see. Under READ COMMITTED (every writing
 * transaction here) that includes rows committed after the transaction began, and a writer still
 * in flight holds the parent FOR KEY SHARE, so the delete waits for it. A REPEATABLE READ or
 * SERIALIZABLE transaction that deletes a parent would miss rows committed after its snapshot
 * (PostgreSQL's own key check sees them through a fresh snapshot; a trigger cannot), and those rows
 * would outlive their parent. Only read-only transactions use those levels today; a writer that
 * needs one must delete the parent's rows itself first, or use READ COMMITTED.
 *
 * The erasure and firm deletion order their deletes by the keys between tables: each tie kept here
 * is listed with them (client-data-catalogue.ts, KEYS_KEPT_BY_TRIGGERS), so the order is unchanged.
 */
export type KeptKey = {
  /** The key's constraint name, which the triggers' refusals carry as the key's did. */
  constraint: string;
  /** The table whose rows name a parent, and its column naming it (beside firm_id). */
  child: string;
  column: string;
  /** The table of the parents, keyed (firm_id, id). */
  parent: string;
  /** The child's statement check and the parent's cascade: the functions, and their triggers' stems. */
  check: string;
  cascade: string;
};

/** The check and cascade functions of a kept key, lent to no one. */
export function keptKeyFunctionsSql(k: KeptKey): string {
  return `
CREATE FUNCTION ${k.check}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE missing record;
BEGIN
  IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> '${k.child}' THEN
    RAISE EXCEPTION 'trigger_misplaced: ${k.check}() runs only for public.${k.child}, not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- One row per parent the statement wrote to (a bulk write names one), each looked up and locked once.
  SELECT w.firm_id, w.${k.column} INTO missing
    FROM (SELECT DISTINCT firm_id, ${k.column} FROM new_rows) w
    LEFT JOIN LATERAL (SELECT k.id FROM ${k.parent} k WHERE k.firm_id = w.firm_id AND k.id = w.${k.column} FOR KEY SHARE) p ON true
   WHERE p.id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "${k.child}" violates foreign key constraint "${k.constraint}"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '${k.constraint}', TABLE = '${k.child}',
            DETAIL = format('Key (firm_id, ${k.column})=(%s, %s) is not present in table "${k.parent}".', missing.firm_id, missing.${k.column});
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION ${k.cascade}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> '${k.parent}' THEN
    RAISE EXCEPTION 'trigger_misplaced: ${k.cascade}() runs only for public.${k.parent}, not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM ${k.child} WHERE firm_id = OLD.firm_id AND ${k.column} = OLD.id;
    RETURN OLD;
  ELSIF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM ${k.child}) THEN
      RAISE EXCEPTION 'cannot truncate "${k.parent}" while "${k.child}" has rows' USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM ${k.child} WHERE firm_id = OLD.firm_id AND ${k.column} = OLD.id) THEN
    RAISE EXCEPTION 'update on table "${k.parent}" violates foreign key constraint "${k.constraint}" on table "${k.child}"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '${k.constraint}', TABLE = '${k.parent}',
            DETAIL = format('Key (firm_id, id)=(%s, %s) is still referenced from table "${k.child}".', OLD.firm_id, OLD.id);
  END IF;
  RETURN NEW;
END $$;

REVOKE ALL ON FUNCTION ${k.check}(), ${k.cascade}() FROM PUBLIC;
`;
}

/** The triggers of a kept key: [name, table, definition after the name]. */
function triggers(k: KeptKey): Array<[string, string, string]> {
  return [
    // A trigger with transition tables may name one event only.
    [`${k.check}_ins`, k.child, `AFTER INSERT ON ${k.child} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${k.check}()`],
    [`${k.check}_upd`, k.child, `AFTER UPDATE ON ${k.child} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${k.check}()`],
    [`${k.cascade}_del`, k.parent, `AFTER DELETE ON ${k.parent} FOR EACH ROW EXECUTE FUNCTION ${k.cascade}()`],
    [`${k.cascade}_upd`, k.parent, `AFTER UPDATE OF firm_id, id ON ${k.parent} FOR EACH ROW
    WHEN (OLD.firm_id IS DISTINCT FROM NEW.firm_id OR OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION ${k.cascade}()`],
    // After: the rows of `TRUNCATE <parent>, <child>` are gone by then, as they must be.
    [`${k.cascade}_trunc`, k.parent, `AFTER TRUNCATE ON ${k.parent} FOR EACH STATEMENT EXECUTE FUNCTION ${k.cascade}()`],
  ];
}

/** Drops the key and puts its triggers in its place (a migration's up). */
export async function keepKeyByTriggers(knex: Knex, k: KeptKey): Promise<void> {
  await knex.raw(`ALTER TABLE ${k.child} DROP CONSTRAINT ${k.constraint}`);
  await knex.raw(keptKeyFunctionsSql(k));
  for (const [name, , definition] of triggers(k)) await knex.raw(`CREATE TRIGGER ${name} ${definition}`);
}

/** Drops the triggers and puts the key back, validated against the rows there are (a migration's down). */
export async function restoreKey(knex: Knex, k: KeptKey): Promise<void> {
  for (const [name, table] of triggers(k)) await knex.raw(`DROP TRIGGER ${name} ON ${table}`);
  await knex.raw(`DROP FUNCTION ${k.check}(), ${k.cascade}()`);
  await knex.raw(`ALTER TABLE ${k.child} ADD CONSTRAINT ${k.constraint} FOREIGN KEY (firm_id, ${k.column}) REFERENCES ${k.parent} (firm_id, id) ON DELETE CASCADE`);
}
