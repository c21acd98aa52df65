/**
 * Bundles the workflow code for the worker. Workflows must stay deterministic, so the bundle refuses
 * any import of our I/O layers (db, activities, api, admin, ops) on top of the Temporal bundler's own
 * refusal of Node built-ins. Type-only imports are erased before bundling and stay allowed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

type Configuration = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

const ROOT = path.resolve(__dirname, '..');
const FORBIDDEN_FOLDERS = ['db', 'activities', 'api', 'admin', 'ops'].map((folder) => path.join(ROOT, folder) + path.sep);

export const WORKFLOWS_ENTRY = path.join(ROOT, 'workflows', 'index.ts');

type ResolveData = { createData?: { resource?: string }; contextInfo?: { issuer?: string } };
type Factory = { hooks: { afterResolve: { tap(name: string, fn: (data: ResolveData) => void): void } } };
type Compiler = { hooks: { normalModuleFactory: { tap(name: string, fn: (factory: Factory) => void): void } } };

class RefuseIoImportsPlugin {
  apply(compiler: Compiler): void {
    compiler.hooks.normalModuleFactory.tap('RefuseIoImports', (factory) => {
      factory.hooks.afterResolve.tap('RefuseIoImports', (data) => {
        const resource = data.createData?.resource ?? '';
        const folder = FORBIDDEN_FOLDERS.find((f) => resource.startsWith(f));
        if (folder) {
          const from = data.contextInfo?.issuer ? path.relative(ROOT, data.contextInfo.issuer) : 'a workflow';
          throw new Error(
            `Workflow code must not import I/O code: ${from} imports ${path.relative(ROOT, resource)}. ` +
              'Call it through an activity (import the activity type only).',
          );
        }
      });
    });
  }
}

export async function bundleWorkflows(workflowsPath = WORKFLOWS_ENTRY): Promise<WorkflowBundleWithSourceMap> {
  // The bundler logs webpack's findings and throws a generic error: keep the findings for our error.
  const findings: string[] = [];
  const keep = (message: string) => findings.push(message);
  try {
    return await bundleWorkflowCode({
      workflowsPath,
      logger: { trace() {}, debug() {}, info() {}, warn: keep, error: keep, log() {} },
      webpackConfigHook: (config: Configuration) => {
        config.plugins = [...(config.plugins ?? []), new RefuseIoImportsPlugin() as never];
        return config;
      },
    });
  } catch (error) {
    // webpack's report is long; lead with its error lines so the cause is the first thing read.
    const lines = findings.join('\n').split('\n');
    const errors = lines.filter((line) => /ERROR|Error:|disallowed|must not import/.test(line));
    throw new Error(`The workflow bundle did not build:\n${[...errors, '', ...lines].join('\n').trim() || (error as Error).message}`);
  }
}

export async function writeWorkflowBundle(file: string): Promise<void> {
  const bundle = await bundleWorkflows();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bundle.code);
}
