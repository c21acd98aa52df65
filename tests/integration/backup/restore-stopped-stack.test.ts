/**
 * The "real restore" of docs/backups-and-restore.md with `npm start`: the stack is stopped (Ctrl-C),
 * and `npm run ops:restore -- <id> taalmel --force` with no DATABASE_URL starts the stack's embedded
 * PostgreSQL from DATA_DIR by itself, replaces the database, and stops the server again.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { countDatabase } from '../../../activities/backup-drill';
import { backupRelativePath, sha256File, writeSidecars } from '../../../activities/backup-files';
import { createKnex, databaseUrlFor } from '../../../db/knex';
import { migrateLatest } from '../../../db/migrator';
import { ensureDatabase, startEmbeddedPostgres } from '../../../ops/embedded-postgres';
import { freePort, isPortFree } from '../../../ops/ports';

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
jest.setTimeout(240_000);

describe('ops:restore with the npm start stack stopped', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-restore-stack-'));
    fs.chmodSync(dataDir, 0o755);
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts the embedded PostgreSQL itself, restores over the stack database, and stops it', async () => {
    const port = await freePort();
    const backupDir = path.join(dataDir, 'backups');
    const backupId = 'backup-2026-12-01-101500';
    const start = () => startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), port, persistent: true });

    let pg = await start();
    const url = databaseUrlFor(pg.url, 'taalmel');
    try {
      await ensureDatabase(pg.url, 'taalmel');
      await migrateLatest({ url, appRole: 'taalmel_app' });
      const owner = createKnex({ url, poolMax: 1 });
      await owner.raw("insert into firms (name, slug) values ('Before', 'before')").finally(() => owner.destroy());
      // A backup as the backup workflow leaves it: the dump, its checksum and its manifest.
      const relative = backupRelativePath(backupId, new Date('2026-12-01T10:15:00Z'));
      const dumpPath = path.join(backupDir, relative);
      fs.mkdirSync(path.dirname(dumpPath), { recursive: true });
      await execFileAsync(process.env.BACKUP_PG_DUMP_PATH || 'pg_dump', ['--format=custom', `--file=${dumpPath}`, `--dbname=${url}`]);
      const counts = await countDatabase(pg.url, 'taalmel');
      writeSidecars(dumpPath, { id: backupId, createdAt: '2026-12-01T10:15:00.000Z', file: relative, sizeBytes: fs.statSync(dumpPath).size, sha256: await sha256File(dumpPath), database: 'taalmel', serverVersion: '15', pgDumpVersion: '15', schemaMigration: null, counts });
      const later = createKnex({ url, poolMax: 1 });
      await later.raw("insert into firms (name, slug) values ('After', 'after')").finally(() => later.destroy());
    } finally {
      await pg.stop();
    }

    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port), LOG_LEVEL: 'silent', NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    delete env.BACKUP_DIR;
    delete env.ERASURE_LOG_DIR;
    const run = await execFileAsync(process.execPath, ['--import', 'tsx', 'ops/backup/run-restore.ts', backupId, 'taalmel', '--force'], { cwd: ROOT, env }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    const { stdout, stderr } = run as { stdout: string; stderr: string };
    expect({ code: (run as { code?: number }).code ?? 0, stderr: stderr.split('\n')[0] }).toEqual({ code: 0, stderr: expect.stringContaining('is stopped: starting its PostgreSQL') });
    expect(stdout).toContain('"previousRenamedTo": "taalmel_before_');
    expect(await isPortFree(port)).toBe(true); // the command stopped the server it started

    pg = await start();
    try {
      const owner = createKnex({ url, poolMax: 1 });
      const firms = await owner.transaction(async (trx) => {
        await trx.raw("select set_config('app.system', 'on', true)");
        return (await trx('firms').orderBy('name').pluck('name')) as string[];
      }).finally(() => owner.destroy());
      expect(firms).toEqual(['Before']);
    } finally {
      await pg.stop();
    }
  });
});
