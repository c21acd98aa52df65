/** Shared set-up of the backup tests: seeded firms, a backup folder, backup deps for a test worker. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { BackupDeps } from '../../../activities/backup';
import { DEFAULT_ROTATION_POLICY } from '../../../domain/backup-rotation';
import type { TestDatabase } from '../../harness/database';

export type Seeded = { firmA: string; firmB: string };

/** Two firms, three clients (two in A, one in B), as the owner (audit triggers fire as "system"). */
export async function seedFirms(owner: Knex): Promise<Seeded> {
  const suffix = randomBytes(3).toString('hex');
  const [a] = await owner('firms').insert({ name: 'Apte & Co', slug: `apte-${suffix}` }).returning('id');
  const [b] = await owner('firms').insert({ name: 'Bose Associates', slug: `bose-${suffix}` }).returning('id');
  const firmA = (a as { id: string }).id;
  const firmB = (b as { id: string }).id;
  const client = (firm: string, name: string, gstin: string) => ({ firm_id: firm, name, gstin, email: `${name.toLowerCase()}@example.test`, filing_frequency: 'monthly', state_code: gstin.slice(0, 2) });
  await owner('clients').insert([client(firmA, 'Alpha', '27AAJCM4455Q1ZP'), client(firmA, 'Beta', '29ABCDE1234F1Z5'), client(firmB, 'Gamma', '27AAJCM4455Q1ZP')]);
  return { firmA, firmB };
}

export function tempBackupDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-backups-'));
}

export function backupDepsFor(db: TestDatabase, dir: string, overrides: Partial<BackupDeps> = {}): BackupDeps {
  return {
    databaseUrl: db.url,
    dir,
    pgDumpPath: process.env.BACKUP_PG_DUMP_PATH || 'pg_dump',
    pgRestorePath: process.env.BACKUP_PG_RESTORE_PATH || 'pg_restore',
    rotation: DEFAULT_ROTATION_POLICY,
    timeZone: 'UTC',
    ...overrides,
  };
}

/** Short retries so a failing test fails in seconds, not minutes. */
export const TEST_TIMEOUTS = { initialRetrySeconds: 1, maximumAttempts: 2, heartbeatSeconds: 30, longStepMinutes: 5 };

/** A backup id no other run on a shared Temporal server has used (workflow ids outlive test databases). */
export function uniqueBackupId(label: string): string {
  return `backup-test-${label}-${randomBytes(5).toString('hex')}`;
}

export async function databasesLike(owner: Knex, prefix: string): Promise<string[]> {
  const rows: Array<{ datname: string }> = await owner('pg_database').select('datname').where('datname', 'like', `${prefix.replace(/_/g, '\\_')}%`);
  return rows.map((r) => r.datname);
}

/** Running, and not a zombie (a killed child of a killed parent may wait a moment to be reaped). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

/** Files (not folders) anywhere under `dir`, relative to it. */
export function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}


/**
 * A pg_dump that, the first time, writes the whole dump to its --file (the `.partial`), appends
 * `junk` when given (so a leftover is told apart from a fresh dump), writes its pid to `marker` and
 * hangs for `stuckSeconds` as if still dumping (exec: the pid the worker spawned is the one that
 * hangs); later runs are the real pg_dump.
 */
export function stuckOncePgDump(dir: string, options: { stuckSeconds: number; junk?: string }): { binary: string; marker: string } {
  const real = process.env.BACKUP_PG_DUMP_PATH || 'pg_dump';
  const marker = path.join(dir, 'stuck-dump.pid');
  const binary = path.join(dir, 'pg_dump-stuck-once');
  const lines = [
    '#!/bin/sh',
    `if [ "$1" = "--version" ]; then exec ${real} --version; fi`,
    `if [ -f ${marker} ]; then exec ${real} "$@"; fi`,
    `${real} "$@" || exit $?`,
  ];
  if (options.junk !== undefined) {
    lines.push(`for a in "$@"; do case "$a" in --file=*) printf '${options.junk.replace(/\n/g, '\\n')}' >> "\${a#--file=}";; esac; done`);
  }
  lines.push(`echo $$ > ${marker}.tmp && mv ${marker}.tmp ${marker}`, `exec sleep ${options.stuckSeconds}`, '');
  fs.writeFileSync(binary, lines.join('\n'), { mode: 0o755 });
  return { binary, marker };
}
