/** Which migration a database is at when migrations ran out of their list order (db/migrator.ts). */
import { appliedThrough, latestMigrationName } from '../../../db/migrator';
import { migrations } from '../../../db/migrations';

describe('the migration a database is at', () => {
  const listed = ['015-a', '016-b', '017-c', '019-d'];

  it('is the last of the list when all ran, whatever order they ran in', () => {
    expect(appliedThrough(listed, ['015-a', '016-b', '019-d', '017-c'])).toBe('019-d');
  });

  it('stops before the first one missing, even when later ones ran', () => {
    expect(appliedThrough(listed, ['015-a', '016-b', '019-d'])).toBe('016-b');
    expect(appliedThrough(listed, [])).toBeNull();
  });

  it('is the expected latest for a database that ran the whole list', () => {
    expect(appliedThrough(migrations.map((m) => m.name), [...migrations.map((m) => m.name)].reverse())).toBe(latestMigrationName);
  });
});
