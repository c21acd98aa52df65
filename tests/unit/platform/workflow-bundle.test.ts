import path from 'node:path';
import { bundleWorkflows } from '../../../ops/workflow-bundle';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'workflows');

describe('the workflow bundle', () => {
  it('refuses a workflow that imports our database layer', async () => {
    await expect(bundleWorkflows(path.join(fixtures, 'imports-db.ts'))).rejects.toThrow(/must not import I\/O code: tests\/fixtures\/workflows\/imports-db\.ts imports db\/knex\.ts/);
  });

  it('refuses a workflow that imports a Node built-in', async () => {
    await expect(bundleWorkflows(path.join(fixtures, 'imports-fs.ts'))).rejects.toThrow(/node:fs/);
  });
});
