/**
 * An upload's body goes to a private temporary file before anything else happens: counted against
 * its cap (the declared size, itself under the cap of its kind) and hashed on the way. No database
 * connection is held while a client sends, however slowly; the readers then work from the file, and
 * an XLSX's ZIP directory (at the end of the file) can be checked before any part is parsed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MeteredBody } from './metered-body';

export type Spooled = { file: string; bytes: number; sha256: string; overLimit: boolean; remove(): Promise<void> };

export async function spoolBody(source: AsyncIterable<Buffer | string>, limitBytes: number, dir = os.tmpdir()): Promise<Spooled> {
  const folder = await fs.promises.mkdtemp(path.join(dir, 'taalmel-upload-'));
  const file = path.join(folder, 'body');
  const remove = () => fs.promises.rm(folder, { recursive: true, force: true });
  const body = new MeteredBody(source, limitBytes);
  try {
    // 0600: the upload is a client's data; only this process reads it.
    await pipeline(body.chunks(), fs.createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    await remove();
    throw error;
  }
  return { file, bytes: body.bytes, sha256: body.sha256(), overLimit: body.overLimit, remove };
}
