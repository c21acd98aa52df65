/**
 * What the backup commands share: configuration with a hint for the `npm start` stack, the owner
 * connection to the catalogue, plain output, and the exit codes (0 good, 1 failed, 2 usage, 78 config).
 */
import type { Knex } from 'knex';
import { createKnex } from '../../db/knex';
import { loadConfigOrExit, type Config } from '../config';

export const NPM_START_HINT =
  'For the `npm start` stack run, in another terminal:\n' +
  '  DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5433/taalmel TEMPORAL_ADDRESS=127.0.0.1:7233 npm run <command>\n' +
  '(and the same DATA_DIR or BACKUP_DIR as the stack, so both see the same backup folder).';

export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function loadCommandConfig(needs: { temporal: boolean }): Config & { database: { url: string } } {
  const config = loadConfigOrExit();
  const missing = [!config.database.url && 'DATABASE_URL', needs.temporal && !config.temporal.address && 'TEMPORAL_ADDRESS'].filter(Boolean);
  if (missing.length) fail(`${missing.join(' and ')} must be set: this command works against a running database${needs.temporal ? ' and Temporal' : ''}.\n${NPM_START_HINT}`, 78);
  return config as Config & { database: { url: string } };
}

/** The catalogue as the database owner (the commands are run by ops, not the application). */
export function ownerKnex(url: string): Knex {
  return createKnex({ url, poolMax: 1, applicationName: 'taalmel-ops-backup' });
}

export function positionalArgs(argv: string[]): { args: string[]; flags: Set<string> } {
  return { args: argv.filter((a) => !a.startsWith('--')), flags: new Set(argv.filter((a) => a.startsWith('--'))) };
}

export function humanBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
