/** Every migration, in order. A new migration is a new file here and a line in this list. */
import type { Knex } from 'knex';
import * as m001 from './001-platform-roles-and-core-tables';

export type Migration = { name: string; module: Knex.Migration };

export const migrations: Migration[] = [{ name: '001-platform-roles-and-core-tables', module: m001 }];
