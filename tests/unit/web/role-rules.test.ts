/**
 * The web app decides what a role may see with the shared rules of `CAN` (web/src/http/can.ts),
 * the one place that spells roles out: no page or component compares a role itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mayInvite } from '../../../domain/invitation-rule';
import { CAN } from '../../../web/src/http/can';
import type { Role } from '../../../web/src/http/types';
import { ROLE_LABEL, rolesFor } from '../../../web/src/lib/roles';

const WEB = path.join(__dirname, '../../../web/src');
const RULES = path.join(WEB, 'http/can.ts');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

describe("the web app's role rules", () => {
  it('compares roles only in CAN', () => {
    const files = sources(WEB).filter((f) => f !== RULES);
    expect(files.length).toBeGreaterThan(20);
    const spelled = files.flatMap((f) => {
      const text = fs.readFileSync(f, 'utf8');
      // `role === 'client'`, `user.role !== 'firm_admin'`, `['firm_admin', 'manager'].includes(role)`.
      const hits = [...text.matchAll(/\brole\)?\s*[!=]==?\s*['"][a-z_]+['"]|['"][a-z_]+['"]\s*[!=]==?\s*[\w.]*role\b|\]\.includes\([\w.]*role\)/g)].map((m) => m[0]);
      return hits.map((hit) => `${path.relative(WEB, f)}: ${hit}`);
    });
    expect(spelled).toEqual([]);
  });

  // A list of roles written out in a page (`['staff', 'reviewer', 'client']`) is a rule copied from
  // the server's: it drifts the day the server's changes. Pages ask CAN, which asks the shared rule.
  const ROLE_LIST = /\[\s*(?:['"](?:firm_admin|manager|reviewer|staff|client)['"]\s*,\s*)+['"](?:firm_admin|manager|reviewer|staff|client)['"]\s*,?\s*\]/g;

  it('spells out no list of roles outside CAN', () => {
    const lists = sources(WEB)
      .filter((f) => f !== RULES)
      .flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(ROLE_LIST)].map((m) => `${path.relative(WEB, f)}: ${m[0]}`));
    expect(lists).toEqual([]);
    // Not blind: the list the invitations page used to carry is seen.
    expect("const MANAGER_ROLES: Role[] = ['staff', 'reviewer', 'client'];".match(ROLE_LIST)).toEqual(["['staff', 'reviewer', 'client']"]);
  });

  it("offers the invitations the server's mayInvite allows, through CAN", () => {
    const roles = Object.keys(ROLE_LABEL) as Role[];
    // What the invitation form offers each inviter (lib/roles.ts `rolesFor`, the page's list).
    expect(Object.fromEntries(roles.map((inviter) => [inviter, rolesFor(inviter)]))).toEqual({
      firm_admin: ['firm_admin', 'manager', 'reviewer', 'staff', 'client'],
      manager: ['reviewer', 'staff', 'client'],
      reviewer: [],
      staff: [],
      client: [],
    });
    // CAN.invite is the domain's rule itself (no copy to drift): every pair answers as mayInvite does.
    const differing = roles.flatMap((inviter) => roles.filter((role) => CAN.invite(inviter, role) !== mayInvite(inviter, role)).map((role) => `${inviter} -> ${role}`));
    expect(differing).toEqual([]);
    // The page's list is rolesFor's (the page's TSX is not compiled here: its import is read).
    const page = fs.readFileSync(path.join(WEB, 'components/Invitations.tsx'), 'utf8');
    expect(page).toMatch(/import \{[^}]*\brolesFor\b[^}]*\} from '\.\.\/lib\/roles';/);
  });

  it('sees a spelled-out role check (the scan is not blind)', () => {
    const probe = "const admin = user.role === 'firm_admin'; const c = ['a'].includes(user.role);";
    expect(probe.match(/\brole\)?\s*[!=]==?\s*['"][a-z_]+['"]|['"][a-z_]+['"]\s*[!=]==?\s*[\w.]*role\b|\]\.includes\([\w.]*role\)/g)).toEqual(["role === 'firm_admin'", "].includes(user.role)"]);
  });
});
