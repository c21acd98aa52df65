/** `npm run build` step: the prebuilt workflow bundle production workers load (WORKFLOW_BUNDLE_PATH). */
import path from 'node:path';
import { writeWorkflowBundle } from './workflow-bundle';

const target = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
writeWorkflowBundle(target).then(
  () => process.stdout.write(`Workflow bundle written to ${target}\n`),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
