/**
 * What an upload's parser thread does (parse-pool.ts runs it): reads the spooled file, sniffs and
 * parses it exactly as parse-upload.ts does, and turns the documents into the COPY text of their
 * import rows (db/copy-text.ts). The api's thread then only streams those bytes to PostgreSQL: the
 * parse, the documents' JSON and its escaping stay off its event loop, and the documents
 * themselves never cross between the threads.
 */
import fs from 'node:fs';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { importRowsText, type CopyText } from '../../db/copy-text';
import { MeteredBody } from './metered-body';
import { parseUpload } from './parse-upload';
import type { ParsedUpload, ReadLimits, UploadExpectation } from './upload-result';

export type ParseJob = { expect: UploadExpectation; limits: ReadLimits };

/** A refusal as parseUpload gives it, or the file's documents as their import rows' COPY text. */
export type ParsedFile =
  | Extract<ParsedUpload, { ok: false }>
  | (Omit<Extract<ParsedUpload, { ok: true }>, 'docs'> & { rows: number; text: CopyText });

/** Nothing: run ahead of an upload so that a thread has loaded this module, and the readers (parse-pool.ts, `warmParsers`). */
export function loaded(): null {
  return null;
}

export async function parseSpooledUpload(job: ParseJob): Promise<ParsedFile> {
  // Hashed and counted on its way into the file (spool.ts): read back as it is.
  const body = new MeteredBody(fs.createReadStream(job.expect.file), Number.POSITIVE_INFINITY, { hash: false });
  const parsed = await parseUpload(body, job.expect, job.limits);
  await body.drain();
  if (!parsed.ok) return parsed;
  const { docs, ...rest } = parsed;
  const file: ParsedFile = { ...rest, rows: docs.length, text: importRowsText(docs) };
  // The text's memory is handed to the api's thread, not copied (a copy of tens of MB took as long
  // as the parse); the rest of the answer is small and cloned.
  return move({ [transferableSymbol]: [file.text.bytes.buffer, file.text.ends.buffer], [valueSymbol]: file }) as unknown as ParsedFile;
}
