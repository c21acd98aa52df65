/**
 * `npm start` from a checkout whose parent folder is closed to other users (mode 700, like a clone in
 * root's home or in `mktemp -d`), and the ops commands beside it with no variables set (create-firm,
 * backup, backups, drill, create-operator), each saying which stack it uses.
 *
 * The checkout is a copy of this one (sources copied, node_modules hard-linked where the file system
 * allows) so the embedded PostgreSQL's binaries really sit under the closed folder. As root,
 * PostgreSQL runs as the `postgres` user, who cannot enter that folder: the stack must still start.
 * The web build and the workflow bundle are the harness's (nothing to rebuild in the copy).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../ops/ports';
import { eventually } from '../harness/eventually';
import { harnessValue } from '../harness/harness-env';
import { ROOT, startStack, waitFor, READY_LINE } from './stack';

jest.setTimeout(600_000);

const SKIP = new Set(['node_modules', '.git', '.data', 'dist', 'coverage']);

function copyCheckout(target: string): void {
  fs.cpSync(ROOT, target, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => !(SKIP.has(path.basename(source)) && (path.dirname(source) === ROOT || path.basename(source) === 'node_modules')),
  });
  for (const modules of ['node_modules', path.join('web', 'node_modules')]) {
    if (!fs.existsSync(path.join(ROOT, modules))) continue;
    fs.rmSync(path.join(target, modules), { recursive: true, force: true });
    // Hard links are instant; another file system needs a real copy.
    const linked = spawnSync('cp', ['-al', path.join(ROOT, modules), path.join(target, modules)], { stdio: 'ignore' });
    if (linked.status !== 0) fs.cpSync(path.join(ROOT, modules), path.join(target, modules), { recursive: true, verbatimSymlinks: true });
  }
}

type Run = { code: number | null; stdout: string; stderr: string };

/** `npm run <script>` in the copied checkout with no database, Temporal or folder variables. */
function npmRun(cwd: string, script: string, args: string[] = []): Promise<Run> {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'DATA_DIR', 'BACKUP_DIR', 'SECRET_KEYS', 'SECRET_KEY_CURRENT', 'NODE_OPTIONS']) delete env[name];
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function expectOk(run: Run, what: string): void {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stderr}\n${run.stdout}`);
}

describe('npm start from a folder other users cannot enter', () => {
  let closed: string;
  let checkout: string;

  beforeAll(() => {
    closed = fs.mkdtempSync(path.join(os.tmpdir(), 'taalmel-closed-'));
    fs.chmodSync(closed, 0o700);
    checkout = path.join(closed, 'taalmel');
    copyCheckout(checkout);
  });

  afterAll(() => {
    // A relocated data folder (as root) is removed with its link; the next start would sweep it anyway.
    const link = path.join(checkout, '.data', 'postgres');
    const target = fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink() ? fs.readlinkSync(link) : null;
    if (target) {
      fs.rmSync(target, { recursive: true, force: true });
      fs.rmSync(`${target}.link`, { force: true });
    }
    fs.rmSync(closed, { recursive: true, force: true });
  });

  it('starts, serves, and the ops commands find it with no variables', async () => {
    const ports = {
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      MAIL_SMTP_PORT: String(await freePort()),
      MAIL_API_PORT: String(await freePort()),
    };
    const stack = startStack({ ...ports, WEB_DIR: path.join(ROOT, 'dist', 'web'), WORKFLOW_BUNDLE_PATH: harnessValue('workflowBundle') }, checkout);
    try {
      await waitFor(stack, READY_LINE, 300_000);
      expect(stack.output()).not.toMatch(/EACCES/);
      // Ready once the worker's first polls reach Temporal, a moment after the banner.
      await eventually('readyz is 200', async () => (await fetch(`http://127.0.0.1:${ports.PORT}/readyz`)).status === 200, 60_000, 250);

      const dataDir = path.join(checkout, '.data');
      if (process.getuid?.() === 0) {
        // The postgres user could not reach the checkout: its data lives in the runtime folder.
        expect(fs.lstatSync(path.join(dataDir, 'postgres')).isSymbolicLink()).toBe(true);
        expect(fs.readlinkSync(path.join(dataDir, 'postgres'))).toMatch(/^\/var\/lib\/taalmel\/embedded-postgres\/data-[0-9a-f]{16}$/);
      }

      // The stack file: where its servers are, for the owner only.
      const stackFile = path.join(dataDir, 'stack.json');
      expect(fs.statSync(stackFile).mode & 0o777).toBe(0o600);
      const written = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { databaseUrl: string; temporal: { address: string }; backupDir: string };
      expect(written.databaseUrl).toBe(`postgres://postgres:postgres@127.0.0.1:${ports.EMBEDDED_PG_PORT}/taalmel`);
      expect(written.temporal.address).toBe(`127.0.0.1:${ports.TEMPORAL_DEV_PORT}`);
      expect(written.backupDir).toBe(path.join(dataDir, 'backups'));

      const created = await npmRun(checkout, 'ops:create-firm', ['--name', 'Closed Folder & Co', '--admin-email', 'admin@closed.example', '--json']);
      expectOk(created, 'ops:create-firm');
      expect(created.stderr).toContain(`using the \`npm start\` stack of ${dataDir}`);
      expect(created.stderr).toContain(`PostgreSQL 127.0.0.1:${ports.EMBEDDED_PG_PORT}/taalmel`);
      const firm = JSON.parse(created.stdout) as { firmId: string; password: string };
      const login = await fetch(`http://127.0.0.1:${ports.PORT}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@closed.example', password: firm.password }) });
      expect(login.status).toBe(200);

      const backup = await npmRun(checkout, 'ops:backup');
      expectOk(backup, 'ops:backup');
      expect(backup.stderr).toContain(`Temporal 127.0.0.1:${ports.TEMPORAL_DEV_PORT}`);
      expect(backup.stdout).toMatch(/verified \(its restore drill passed\)/);

      const listed = await npmRun(checkout, 'ops:backups', ['--json']);
      expectOk(listed, 'ops:backups');
      const backups = JSON.parse(listed.stdout) as Array<{ id: string; status: string; file: string }>;
      expect(backups.map((b) => b.status)).toEqual(['verified']);
      expect(fs.existsSync(path.join(dataDir, 'backups', backups[0]!.file))).toBe(true);

      const drill = await npmRun(checkout, 'ops:drill', [backups[0]!.id]);
      expectOk(drill, 'ops:drill');
      expect(drill.stderr).toContain(`Temporal 127.0.0.1:${ports.TEMPORAL_DEV_PORT}`);
      expect(drill.stdout).toContain(`${backups[0]!.id}: drill passed`);

      // A platform operator made in the stack's database: its token opens the stack's codec endpoint.
      const operator = await npmRun(checkout, 'ops:create-operator', ['--email', 'ops@closed.example', '--json']);
      expectOk(operator, 'ops:create-operator');
      expect(operator.stderr).toContain(`using the \`npm start\` stack of ${dataDir}`);
      const { token } = JSON.parse(operator.stdout) as { token: string };
      const payload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('{"closed":true}').toString('base64') };
      const encoded = await fetch(`http://127.0.0.1:${ports.PORT}/codec/encode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ payloads: [payload] }) });
      expect(encoded.status).toBe(200);
    } finally {
      stack.child.kill('SIGINT');
    }
    expect(await stack.exited).toBe(0);
    // Stopped: the file is gone and the commands say so instead of connecting to nothing.
    expect(fs.existsSync(path.join(checkout, '.data', 'stack.json'))).toBe(false);
    const after = await npmRun(checkout, 'ops:backups');
    expect(after.code).toBe(78);
    expect(after.stderr).toContain('no `npm start` stack is running');
  });
});
