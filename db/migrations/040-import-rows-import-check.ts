import type { Knex } from 'knex';

/**
 * The import rows' tie to their import, checked once a statement instead of once a row.
 *
 * The foreign key import_rows (firm_id, import_id) → imports (firm_id, id) made PostgreSQL run one
 * lookup of the import, with its FOR KEY SHARE lock, for every row an upload COPYs in: 0.4–0.9 s of
 * the backend's CPU a lakh (docs/performance.md, "The import rows' foreign key as one check a
 * statement"). Everything the key did is kept, by triggers:
 *
 * - a row written (inserted, or its firm or import changed) must name an import of its firm: one
 *   query a statement over the statement's rows (a transition table, which the period lock's trigger
 *   already has PostgreSQL keep), the import locked FOR KEY SHARE as the key's check locks it, so a
 *   delete of the import waits for the writing transaction, and a write waits for a delete in flight
 *   and then finds the import gone; refused with the key's own error code and name;
 * - deleting an import deletes its rows (the key's ON DELETE CASCADE, a row at a time as the key did);
 * - an import's firm or id never changes while it has rows (the key's NO ACTION), and the imports
 *   are never truncated without their rows: checked AFTER the truncate, when every table the one
 *   statement names has been emptied, so `TRUNCATE imports, import_rows` passes as it did with the
 *   key, and `TRUNCATE imports` alone is refused (the whole statement undone) while rows exist.
 *
 * The functions run as the tables' owner (SECURITY DEFINER; the owner has superuser or BYPASSRLS, as
 * backups require), so, like the key's own queries, they see every firm's imports and rows: the
 * check and the cascade do not depend on the writer's firm setting. That makes them dangerous to
 * lend: anyone with EXECUTE could put them on a table of their own (a temporary table needs no
 * other right) and have the owner delete, read or lock another firm's import rows. So EXECUTE is
 * revoked from PUBLIC and granted to no one (a trigger's function is called without that right
 * once the trigger exists; only CREATE TRIGGER needs it), and each function refuses to run for any
 * table but its own.
 *
 * The cascade deletes the rows its statement can see. Under READ COMMITTED (every writing
 * transaction here) that includes rows committed after the transaction began, and a writer still in
 * flight holds its import FOR KEY SHARE, so the delete waits for it. A REPEATABLE READ or
 * SERIALIZABLE transaction that deletes an import would miss rows committed after its snapshot
 * (PostgreSQL's own key check sees them through a fresh snapshot; a trigger cannot), and those rows
 * would outlive their import. Only read-only transactions use those levels today; a writer that
 * needs one must delete the import's rows itself first, or use READ COMMITTED.
 *
 * The erasure and firm deletion order their deletes by the keys between tables: this tie is listed
 * with them (client-data-catalogue.ts, KEYS_KEPT_BY_TRIGGERS), so the order is unchanged.
 */
export const IMPORT_KEY = 'import_rows_firm_id_import_id_foreign';

const FUNCTIONS = `
CREATE FUNCTION import_rows_import_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE missing record;
BEGIN
  IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> 'import_rows' THEN
    RAISE EXCEPTION 'trigger_misplaced: import_rows_import_check() runs only for public.import_rows, not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- One row per import the statement wrote to (an upload writes to one), each looked up and locked once.
  SELECT w.firm_id, w.import_id INTO missing
    FROM (SELECT DISTINCT firm_id, import_id FROM new_rows) w
    LEFT JOIN LATERAL (SELECT i.id FROM imports i WHERE i.firm_id = w.firm_id AND i.id = w.import_id FOR KEY SHARE) p ON true
   WHERE p.id IS NULL LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert or update on table "import_rows" violates foreign key constraint "${IMPORT_KEY}"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '${IMPORT_KEY}', TABLE = 'import_rows',
            DETAIL = format('Key (firm_id, import_id)=(%s, %s) is not present in table "imports".', missing.firm_id, missing.import_id);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION imports_rows_cascade() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_TABLE_SCHEMA <> 'public' OR TG_TABLE_NAME <> 'imports' THEN
    RAISE EXCEPTION 'trigger_misplaced: imports_rows_cascade() runs only for public.imports, not %.%', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM import_rows WHERE firm_id = OLD.firm_id AND import_id = OLD.id;
    RETURN OLD;
  ELSIF TG_OP = 'TRUNCATE' THEN
    IF EXISTS (SELECT 1 FROM import_rows) THEN
      RAISE EXCEPTION 'cannot truncate "imports" while "import_rows" has rows' USING ERRCODE = 'feature_not_supported';
    END IF;
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM import_rows WHERE firm_id = OLD.firm_id AND import_id = OLD.id) THEN
    RAISE EXCEPTION 'update on table "imports" violates foreign key constraint "${IMPORT_KEY}" on table "import_rows"'
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '${IMPORT_KEY}', TABLE = 'imports',
            DETAIL = format('Key (firm_id, id)=(%s, %s) is still referenced from table "import_rows".', OLD.firm_id, OLD.id);
  END IF;
  RETURN NEW;
END $$;

REVOKE ALL ON FUNCTION import_rows_import_check(), imports_rows_cascade() FROM PUBLIC;
`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE import_rows DROP CONSTRAINT ${IMPORT_KEY}`);
  await knex.raw(FUNCTIONS);
  // A trigger with transition tables may name one event only.
  await knex.raw('CREATE TRIGGER import_rows_import_check_ins AFTER INSERT ON import_rows REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_rows_import_check()');
  await knex.raw('CREATE TRIGGER import_rows_import_check_upd AFTER UPDATE ON import_rows REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION import_rows_import_check()');
  await knex.raw('CREATE TRIGGER imports_rows_cascade_del AFTER DELETE ON imports FOR EACH ROW EXECUTE FUNCTION imports_rows_cascade()');
  await knex.raw(`CREATE TRIGGER imports_rows_cascade_upd AFTER UPDATE OF firm_id, id ON imports FOR EACH ROW
    WHEN (OLD.firm_id IS DISTINCT FROM NEW.firm_id OR OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION imports_rows_cascade()`);
  // After: the rows of `TRUNCATE imports, import_rows` are gone by then, as they must be.
  await knex.raw('CREATE TRIGGER imports_rows_cascade_trunc AFTER TRUNCATE ON imports FOR EACH STATEMENT EXECUTE FUNCTION imports_rows_cascade()');
}

export async function down(knex: Knex): Promise<void> {
  for (const [name, table] of [['import_rows_import_check_ins', 'import_rows'], ['import_rows_import_check_upd', 'import_rows'], ['imports_rows_cascade_del', 'imports'], ['imports_rows_cascade_upd', 'imports'], ['imports_rows_cascade_trunc', 'imports']]) {
    await knex.raw(`DROP TRIGGER ${name} ON ${table}`);
  }
  await knex.raw('DROP FUNCTION import_rows_import_check(), imports_rows_cascade()');
  await knex.raw(`ALTER TABLE import_rows ADD CONSTRAINT ${IMPORT_KEY} FOREIGN KEY (firm_id, import_id) REFERENCES imports (firm_id, id) ON DELETE CASCADE`);
}
