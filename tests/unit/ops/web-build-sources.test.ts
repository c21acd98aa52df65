import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, webSourceFiles } from '../../../ops/web-build';

/** Every module outside web/ that the app's sources import, as repo-relative paths. */
function importsFromOutsideWeb(): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name)) {
        for (const match of fs.readFileSync(full, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
          const spec = match[1] ?? '';
          const target = path.resolve(path.dirname(full), spec);
          if (!target.startsWith(path.join(REPO_ROOT, 'web') + path.sep)) found.add(path.relative(REPO_ROOT, target));
        }
      }
    }
  };
  walk(path.join(REPO_ROOT, 'web', 'src'));
  return [...found].sort();
}

describe('the web build fingerprint', () => {
  it('covers every module outside web/ that the app bundles, so a change there rebuilds the app', () => {
    const covered = new Set(webSourceFiles().map((f) => path.relative(REPO_ROOT, f)));
    const imported = importsFromOutsideWeb();
    expect(imported.length).toBeGreaterThan(0);
    const missing = imported.filter((spec) => !['.ts', '.tsx', '/index.ts'].some((ext) => covered.has(spec + ext)) && !covered.has(spec));
    expect(missing).toEqual([]);
  });
});
