import { assertSameMajor, libpqTarget } from '../../../activities/backup-tools';
import {
  drillAfterBackupWorkflowId,
  isBackupId,
  onDemandBackupId,
  onDemandDrillWorkflowId,
  scheduledBackupId,
  scratchDatabaseName,
  scratchDatabasePrefix,
} from '../../../workflows/backup-definitions';
import { rootMessage } from '../../../workflows/failures';

describe('backup names and tool checks', () => {
  it('derives the nightly id from the day in the scheduler time zone', () => {
    // 21:00 UTC on 19 November is 02:30 on 20 November in India.
    expect(scheduledBackupId(new Date('2026-11-19T21:00:00Z'), 'Asia/Kolkata')).toBe('backup-2026-11-20');
    expect(scheduledBackupId(new Date('2026-11-19T21:00:00Z'), 'UTC')).toBe('backup-2026-11-19');
    expect(onDemandBackupId(new Date('2026-11-20T09:30:12.345Z'))).toBe('backup-2026-11-20-093012');
    expect(drillAfterBackupWorkflowId('backup-2026-11-20')).toBe('restore-drill-backup-2026-11-20');
    expect(onDemandDrillWorkflowId('backup-2026-11-20', new Date('2026-11-21T10:00:00.000Z'))).toBe('restore-drill-backup-2026-11-20-20261121t100000000z');
  });

  it('accepts only backup ids that are safe in paths and names', () => {
    expect(isBackupId('backup-2026-11-20')).toBe(true);
    expect(isBackupId('backup-../../etc')).toBe(false);
    expect(isBackupId('2026-11-20')).toBe(false);
    expect(isBackupId('backup-2026-11-20; drop')).toBe(false);
  });

  it('names scratch databases recognisably and within 63 bytes', () => {
    const name = scratchDatabaseName(`backup-${'x'.repeat(80)}`, '0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^taalmel_drill_[a-z0-9_]+$/);
    expect(scratchDatabaseName('backup-2026-11-20', 'ABC-def-123')).toBe('taalmel_drill_2026_11_20_abcdef123');
    expect(scratchDatabaseName('backup-2026-11-20', 'x').startsWith(scratchDatabasePrefix('backup-2026-11-20'))).toBe(true);
  });

  it('refuses a pg_dump of another major version, saying what to install', () => {
    const server = { version: '15.18', versionNum: 150018, major: 15 };
    expect(() => assertSameMajor({ binary: '/usr/lib/postgresql/16/bin/pg_dump', version: 'pg_dump (PostgreSQL) 16.4', major: 16 }, server)).toThrow(
      /pg_dump at \/usr\/lib\/postgresql\/16\/bin\/pg_dump is PostgreSQL 16 but the server is PostgreSQL 15.*postgresql-client-15.*BACKUP_PG_DUMP_PATH/,
    );
    expect(() => assertSameMajor({ binary: 'pg_dump', version: 'pg_dump (PostgreSQL) 15.20', major: 15 }, server)).not.toThrow();
  });

  it('keeps the password off the command line', () => {
    const target = libpqTarget('postgres://owner:s%40cret@db.example:5432/taalmel?sslmode=require');
    expect(target.dbname).toBe('postgres://owner@db.example:5432/taalmel?sslmode=require');
    expect(target.env.PGPASSWORD).toBe('s@cret');
  });

  it('reports the deepest cause of a failure chain', () => {
    const failure = { message: 'Activity task failed', cause: { message: 'checksum mismatch: …', cause: undefined } };
    expect(rootMessage(failure)).toBe('checksum mismatch: …');
  });
});
