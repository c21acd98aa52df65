/**
 * Where a running `npm start` stack's servers are, written into its data folder
 * (DATA_DIR/stack.json) so that the ops commands in another terminal find it with no variables
 * set. It holds the database owner's connection, so it is readable by its owner only (mode 600),
 * and it is removed when the stack stops.
 */
import fs from 'node:fs';
import path from 'node:path';

export const STACK_FILE_NAME = 'stack.json';

export type StackFile = {
  /** The `npm start` process; a stack whose process is gone is not used. */
  pid: number;
  startedAt: string;
  apiUrl: string;
  /** The owner's connection to the stack's database (the embedded PostgreSQL or DATABASE_URL). */
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string; uiUrl: string | null };
  backupDir: string;
  erasureLogDir: string;
  mail: { smtpPort: number | null; apiUrl: string | null };
};

export function stackFilePath(dataDir: string): string {
  return path.join(dataDir, STACK_FILE_NAME);
}

/** Written whole (temporary file, then rename) with mode 600 whatever the umask or an older file's mode. */
export function writeStackFile(dataDir: string, stack: StackFile): string {
  const file = stackFilePath(dataDir);
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(staging, 0o600);
  fs.renameSync(staging, file);
  return file;
}

/** Removes the file if it is still this process's (a newer stack may have replaced it). */
export function removeStackFile(dataDir: string, pid = process.pid): void {
  const stack = readStackFile(dataDir);
  if (stack?.pid === pid) fs.rmSync(stackFilePath(dataDir), { force: true });
}

export function readStackFile(dataDir: string): StackFile | null {
  try {
    return JSON.parse(fs.readFileSync(stackFilePath(dataDir), 'utf8')) as StackFile;
  } catch {
    return null;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
