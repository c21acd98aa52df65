/**
 * What the backup commands share: configuration (the environment, or the running `npm start` stack), the owner
 * connection to the catalogue, plain output, and the exit codes (0 good, 1 failed, 2 usage, 78 config).
 */
import type { Knex } from 'knex';
import { createKnex } from '../../db/knex';
import type { Config } from '../config';
import { loadOpsConfigOrExit } from '../ops-config';

export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

export function loadCommandConfig(needs: { temporal: boolean }): Config & { database: { url: string } } {
  const config = loadOpsConfigOrExit({ database: true, temporal: needs.temporal });
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
