/**
 * How the ops commands find the `npm start` stack: its stack file (mode 600) in DATA_DIR, used only
 * when DATABASE_URL / TEMPORAL_ADDRESS are unset and only while its process lives; otherwise one
 * message saying what to start or set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../ops/config';
import { resolveOpsConfig } from '../../../ops/ops-config';
import { readStackFile, removeStackFile, writeStackFile, type StackFile } from '../../../ops/stack-file';

function stack(dataDir: string, pid: number): StackFile {
  return {
    pid,
    startedAt: '2026-12-05T02:00:00.000Z',
    apiUrl: 'http://127.0.0.1:3999',
    databaseUrl: 'postgres://postgres:postgres@127.0.0.1:5999/taalmel',
    temporal: { address: '127.0.0.1:7999', namespace: 'default', taskQueue: 'taalmel', uiUrl: null },
    backupDir: path.join(dataDir, 'stack-backups'),
    erasureLogDir: path.join(dataDir, 'stack-backups', 'erasures'),
    mail: { smtpPort: 1999, apiUrl: 'http://127.0.0.1:8999' },
  };
}

/** A pid no process has (the largest possible, unused). */
const DEAD_PID = 4_194_303;

describe('ops commands and the npm start stack file', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-stackfile-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('writes the file for its owner only, even over an older readable one, and removes only its own', () => {
    fs.writeFileSync(path.join(dataDir, 'stack.json'), '{}', { mode: 0o644 });
    writeStackFile(dataDir, stack(dataDir, process.pid));
    expect(fs.statSync(path.join(dataDir, 'stack.json')).mode & 0o777).toBe(0o600);
    expect(readStackFile(dataDir)?.databaseUrl).toBe('postgres://postgres:postgres@127.0.0.1:5999/taalmel');
    removeStackFile(dataDir, process.pid + 1);
    expect(fs.existsSync(path.join(dataDir, 'stack.json'))).toBe(true);
    removeStackFile(dataDir, process.pid);
    expect(fs.existsSync(path.join(dataDir, 'stack.json'))).toBe(false);
  });

  it('uses the running stack when nothing is set, and says so', () => {
    writeStackFile(dataDir, stack(dataDir, process.pid));
    const { config, using } = resolveOpsConfig({ database: true, temporal: true, mail: true }, { DATA_DIR: dataDir });
    expect(config.database.url).toBe('postgres://postgres:postgres@127.0.0.1:5999/taalmel');
    expect(config.temporal.address).toBe('127.0.0.1:7999');
    expect(config.backup.dir).toBe(path.join(dataDir, 'stack-backups'));
    expect(config.mail.smtpUrl).toBe('smtp://127.0.0.1:1999');
    expect(using).toBe(`using the \`npm start\` stack of ${dataDir} (pid ${process.pid}, started 2026-12-05T02:00:00.000Z): PostgreSQL 127.0.0.1:5999/taalmel, Temporal 127.0.0.1:7999, backups in ${path.join(dataDir, 'stack-backups')}, mail through 127.0.0.1:1999`);
    // Never the password in what it prints.
    expect(using).not.toContain('postgres:postgres');
  });

  it('prefers the environment when it is set', () => {
    writeStackFile(dataDir, stack(dataDir, process.pid));
    const { config, using } = resolveOpsConfig({ database: true, temporal: false }, { DATA_DIR: dataDir, DATABASE_URL: 'postgres://u:p@db.example:5432/prod' });
    expect(config.database.url).toBe('postgres://u:p@db.example:5432/prod');
    expect(config.backup.dir).toBe(path.join(dataDir, 'backups'));
    expect(using).toBe(`using PostgreSQL db.example:5432/prod, backups in ${path.join(dataDir, 'backups')} (from the environment)`);
  });

  it('refuses with what to do when no stack runs', () => {
    const none = () => resolveOpsConfig({ database: true, temporal: true }, { DATA_DIR: dataDir });
    expect(none).toThrow(ConfigError);
    expect(none).toThrow(/DATABASE_URL, TEMPORAL_ADDRESS: not set, and no `npm start` stack is running/);
    writeStackFile(dataDir, stack(dataDir, DEAD_PID));
    expect(none).toThrow(new RegExp(`recorded in .*stack.json \\(pid ${DEAD_PID}\\) is no longer running`));
  });
});
