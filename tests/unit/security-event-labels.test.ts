/**
 * Every security event the code can write has words of its own (domain/security-events.ts): the
 * console's dashboard would otherwise show a new action as its code's words ("Person merge"), which
 * no check on the dashboard's text could tell from a label. The actions are string literals at the
 * places that record them (setAuditAction, recordAuditEvent, a refusal's withAudit, a revocation's
 * action) and the audit trigger's `<entity>.<create|update|delete>`, so this reads the sources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { AUDITED_TABLES } from '../../db/migrations/002-identity-sessions-audit';
import { isKnownSecurityEvent, SECURITY_EVENT_LABEL, SECURITY_EVENT_PREFIXES, securityEventLabel } from '../../domain/security-events';

const ROOT = resolve(__dirname, '../..');
/** Where audit actions are written: everything but the web app, the docs and the tests. */
const SOURCE_FOLDERS = ['api', 'db', 'admin', 'activities', 'workflows', 'ops', 'domain'];
const DEFINED_IN = 'domain/security-events.ts';

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx|js|jsx|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

const prefixes = SECURITY_EVENT_PREFIXES.join('|');
/** A quoted action with a security prefix: 'auth.login', "user.create", `invitation.revoked`. */
const LITERAL = new RegExp(`(['"\`])((?:${prefixes})\\.[a-z_]+)\\1`, 'g');
/** One made up at run time (`auth.${what}`), which no list could be checked against. */
const TEMPLATE = new RegExp(`\`(?:${prefixes})\\.[a-z_]*\\$\\{`, 'g');

function writtenActions(): { actions: Map<string, string[]>; templates: string[] } {
  const actions = new Map<string, string[]>();
  const templates: string[] = [];
  for (const folder of SOURCE_FOLDERS) {
    for (const file of sourceFiles(join(ROOT, folder))) {
      const where = relative(ROOT, file);
      if (where === DEFINED_IN) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(LITERAL)) actions.set(m[2]!, [...(actions.get(m[2]!) ?? []), where]);
      for (const m of text.matchAll(TEMPLATE)) templates.push(`${where}: ${m[0]}`);
    }
  }
  return { actions, templates };
}

describe('security event labels', () => {
  const { actions, templates } = writtenActions();

  it('finds the actions the api records (the scan itself works)', () => {
    expect([...actions.keys()]).toEqual(expect.arrayContaining(['auth.login', 'auth.session_revoked', 'user.role_changed', 'invitation.created', 'password_reset.requested', 'access.denied']));
  });

  it('has words for every security event written in the code, and none made up at run time', () => {
    const unnamed = [...actions].filter(([action]) => !isKnownSecurityEvent(action)).map(([action, files]) => `${action} (${[...new Set(files)].join(', ')})`);
    expect({ unnamed, templates }).toEqual({ unnamed: [], templates: [] });
  });

  it("has words for the audit trigger's own events on the security entities", () => {
    const triggerEntities = ['user', 'invitation', 'password_reset'];
    // The entities are the audited tables' (migration 002 names users; 013 invitations and resets).
    expect(AUDITED_TABLES.map(([, entity]) => entity)).toContain('user');
    const migration013 = readFileSync(join(ROOT, 'db/migrations/013-account-invitations-and-resets.ts'), 'utf8');
    expect([...migration013.matchAll(/entity: '([a-z_]+)'/g)].map((m) => m[1])).toEqual(['invitation', 'password_reset']);
    const unnamed = triggerEntities.flatMap((entity) => ['create', 'update', 'delete'].map((verb) => `${entity}.${verb}`)).filter((a) => !isKnownSecurityEvent(a));
    expect(unnamed).toEqual([]);
  });

  it('names each event in words: no code, no prefix outside the dashboard\'s, no label twice', () => {
    const entries = Object.entries(SECURITY_EVENT_LABEL);
    expect(entries.filter(([action]) => !SECURITY_EVENT_PREFIXES.some((p) => action.startsWith(`${p}.`)))).toEqual([]);
    expect(entries.filter(([, label]) => /[._]/.test(label) || label.trim() !== label || label === '')).toEqual([]);
    const labels = entries.map(([, label]) => label);
    expect(labels.filter((label, k) => labels.indexOf(label) !== k)).toEqual([]);
    expect(entries.filter(([action, label]) => securityEventLabel(action) !== label)).toEqual([]);
    expect([isKnownSecurityEvent('toString'), isKnownSecurityEvent('user.merge'), securityEventLabel('user.merge')]).toEqual([false, false, 'Person merge']);
  });
});
