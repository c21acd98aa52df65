/**
 * Puts a table under the audit trail: every INSERT, UPDATE and DELETE through any connection writes
 * an audit event in the same transaction (function audit_row_change, migration 002). A migration
 * that creates a firm-scoped table calls this for it.
 */
export function auditTriggerSql(table: string, entity: string, secretColumns: string[] = [], quietColumns: string[] = []): string {
  return `CREATE TRIGGER ${table}_audit AFTER INSERT OR UPDATE OR DELETE ON ${table}
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('${entity}', '${secretColumns.join(',')}', '${quietColumns.join(',')}')`;
}
