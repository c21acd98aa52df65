/**
 * One rule for email addresses (domain/email.ts, docs/accounts.md "Email addresses"): no server
 * module lower-cases an address by itself. A copy of the rule drifts (one trims, another does not),
 * and then the lockout cleared, the failure counted or the device remembered is another address's.
 * This reads the sources and names every line that lower-cases something called an email.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { normaliseEmail } from '../../../domain/email';

const ROOT = join(__dirname, '..', '..', '..');
const DIRS = ['api', 'db', 'activities', 'admin', 'workflows', 'domain', 'ops'];
const RULE = join('domain', 'email.ts');

function sources(dir: string): string[] {
  const full = join(ROOT, dir);
  return readdirSync(full).flatMap((name) => {
    const path = join(full, name);
    if (statSync(path).isDirectory()) return sources(relative(ROOT, path));
    return /\.tsx?$/.test(name) ? [relative(ROOT, path)] : [];
  });
}

describe('the email rule', () => {
  it('trims and lower-cases, as PostgreSQL lower() compares the stored ASCII addresses', () => {
    expect(normaliseEmail('  Fin@Deccan.Example ')).toBe('fin@deccan.example');
  });

  it('is the only place an address is lower-cased in the server code', () => {
    const copies = DIRS.flatMap(sources)
      .filter((file) => file !== RULE)
      .flatMap((file) => readFileSync(join(ROOT, file), 'utf8').split('\n').map((line, i) => ({ at: `${file}:${i + 1}`, line })))
      // A lower-casing call on the same line as a name with "email" or "mail" in it.
      .filter(({ line }) => /\.(toLowerCase|toLocaleLowerCase)\(\)/.test(line) && /\b\w*e?mail\w*\b/i.test(line.replace(/\/\/.*$/, '')))
      .map(({ at, line }) => `${at}: ${line.trim()}`);
    expect(copies).toEqual([]);
  });
});
