/**
 * The ops commands' configuration: the environment, and when DATABASE_URL / TEMPORAL_ADDRESS are
 * not set, the running `npm start` stack of the same DATA_DIR (its stack.json). Every command says
 * on stderr which stack it works against, so stdout stays the command's own (--json) output.
 */
import path from 'node:path';
import { ConfigError, loadConfig, type Config, type LoadOptions } from './config';
import { loadOrCreateDevKeys } from './keys';
import { processAlive, readStackFile, stackFilePath, type StackFile } from './stack-file';

export type OpsNeeds = { database: boolean; temporal: boolean; keys?: boolean; mail?: boolean };

/** Where a connection string points, without its credentials. */
function whereDatabase(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

function fromStack(config: Config, stack: StackFile, needs: OpsNeeds): Config {
  const next: Config = { ...config, database: { ...config.database }, temporal: { ...config.temporal }, backup: { ...config.backup }, dataProtection: { ...config.dataProtection }, auth: { ...config.auth } };
  if (!next.database.url) {
    next.database.url = stack.databaseUrl;
    // The catalogue of that database names files in that stack's backup folder.
    next.backup.dir = stack.backupDir;
    next.dataProtection.erasureLogDir = stack.erasureLogDir;
  }
  if (!next.temporal.address) {
    next.temporal.address = stack.temporal.address;
    next.temporal.namespace = stack.temporal.namespace;
    next.temporal.taskQueue = stack.temporal.taskQueue;
  }
  if (needs.mail && !next.mail.smtpUrl && stack.mail.smtpPort) {
    next.mail = { ...next.mail, smtpUrl: `smtp://127.0.0.1:${stack.mail.smtpPort}` };
  }
  if (needs.keys && !(next.auth.secretKeys && next.auth.secretKeyCurrent)) {
    // The dev stack keeps its keys in its data folder (ops/keys.ts).
    const keys = loadOrCreateDevKeys(config.dataDir);
    Object.assign(next.auth, keys);
  }
  return next;
}

/**
 * The configuration an ops command runs with, and the one line saying where it points. Throws
 * ConfigError (exit 78 through loadOpsConfigOrExit) when what it needs is neither set nor running.
 */
export function resolveOpsConfig(needs: OpsNeeds, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): { config: Config; using: string } {
  const config = loadConfig(env, options);
  const missing = [needs.database && !config.database.url && 'DATABASE_URL', needs.temporal && !config.temporal.address && 'TEMPORAL_ADDRESS'].filter((name): name is string => Boolean(name));
  if (needs.mail && !config.mail.smtpUrl) missing.push('SMTP_URL');
  const keysMissing = needs.keys && !(config.auth.secretKeys && config.auth.secretKeyCurrent);
  const describe = (c: Config) =>
    [needs.database && c.database.url && `PostgreSQL ${whereDatabase(c.database.url)}`, needs.temporal && c.temporal.address && `Temporal ${c.temporal.address}`, needs.database && `backups in ${c.backup.dir}`, needs.mail && c.mail.smtpUrl && `mail through ${new URL(c.mail.smtpUrl).host}`]
      .filter(Boolean)
      .join(', ');
  if (missing.length === 0 && !keysMissing) return { config, using: `using ${describe(config)} (from the environment)` };

  const file = stackFilePath(config.dataDir);
  const stack = readStackFile(config.dataDir);
  const settable = [...missing, ...(keysMissing ? ['SECRET_KEYS and SECRET_KEY_CURRENT'] : [])].join(', ');
  if (!stack) {
    throw new ConfigError([`${settable}: not set, and no \`npm start\` stack is running with DATA_DIR=${path.relative(process.cwd(), config.dataDir) || '.'} (no ${file}). Start it, or set ${settable}.`]);
  }
  if (!processAlive(stack.pid)) {
    throw new ConfigError([`${settable}: not set, and the \`npm start\` stack recorded in ${file} (pid ${stack.pid}) is no longer running. Start it again, or set ${settable}.`]);
  }
  const resolved = fromStack(config, stack, needs);
  if (needs.mail && !resolved.mail.smtpUrl) throw new ConfigError([`SMTP_URL: not set, and the \`npm start\` stack in ${file} has no mail catcher. Set SMTP_URL.`]);
  return { config: resolved, using: `using the \`npm start\` stack of ${config.dataDir} (pid ${stack.pid}, started ${stack.startedAt}): ${describe(resolved)}` };
}

/** Entry points call this: prints which stack the command uses, or why it cannot run (exit 78). */
export function loadOpsConfigOrExit(needs: OpsNeeds, options: LoadOptions = {}): Config {
  try {
    const { config, using } = resolveOpsConfig(needs, process.env, options);
    process.stderr.write(`${using}\n`);
    return config;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
