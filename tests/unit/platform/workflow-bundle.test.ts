import path from 'node:path';
import { bundleWorkflows } from '../../../ops/workflow-bundle';

const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'workflows');

// Each case bundles with webpack, which on a loaded 2-core machine has taken over a minute.
const BUNDLE_TIMEOUT_MS = 240_000;

describe('the workflow bundle', () => {
  it('refuses a workflow that imports our database layer', async () => {
    await expect(bundleWorkflows(path.join(fixtures, 'imports-db.ts'))).rejects.toThrow(/must not import I\/O code: tests\/fixtures\/workflows\/imports-db\.ts imports db\/knex\.ts/);
  }, BUNDLE_TIMEOUT_MS);

  it('refuses a workflow that imports a Node built-in', async () => {
    await expect(bundleWorkflows(path.join(fixtures, 'imports-fs.ts'))).rejects.toThrow(/node:fs/);
  }, BUNDLE_TIMEOUT_MS);
});
