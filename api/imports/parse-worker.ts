/**
 * What an upload's parser thread does (parse-pool.ts runs it): reads the spooled file, sniffs and
 * parses it exactly as parse-upload.ts does, and turns the documents into the COPY text of their
 * import rows (db/copy-text.ts). The api's thread then only streams those bytes to PostgreSQL: the
 * parse, the documents' JSON and its escaping stay off its event loop, and the documents
 * themselves never cross between the threads.
 */
import fs from 'node:fs';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { CopyTextTooLarge, importRowsText, UnstorableText, type CopyText, type CopyTextOptions } from '../../db/copy-text';
import { MeteredBody } from './metered-body';
import { parseUpload } from './parse-upload';
import { warmUpRead, writeWarmUpFilesIn, type WarmUpFile, type WarmUpFileResult } from './parser-warm-up';
import { refused, tooMuchMemory, type ParsedUpload, type ReadLimits, type UploadExpectation } from './upload-result';

export type ParseJob = { expect: UploadExpectation; limits: ReadLimits };

/** A refusal as parseUpload gives it, or the file's documents as their import rows' COPY text. */
export type ParsedFile =
  | Extract<ParsedUpload, { ok: false }>
  | (Omit<Extract<ParsedUpload, { ok: true }>, 'docs'> & { rows: number; text: CopyText });

/** Nothing: run ahead of an upload so that a thread has loaded this module, and the readers (parse-pool.ts, `warmParsers`). */
export function loaded(): null {
  return null;
}

/**
 * One step of a thread's warm-up (parse-pool.ts `startParsers`): reads one of the synthetic files
 * the api's thread wrote through this thread's own task, so a user's first upload finds the reader
 * compiled (parser-warm-up.ts). Never throws; the result says what failed.
 */
export function warmUp(step: WarmUpFile): Promise<WarmUpFileResult> {
  return warmUpRead(parseSpooledUpload, step);
}

/** Where a thread writes the warm-up's files (a folder the api's thread made and removes), and its documents a side. */
export type WarmUpFilesJob = { folder: string; documents?: number };

/** Run once on one thread an api process starts (parse-pool.ts `startParsers`): writes the warm-up's files, off the api's event loop. */
export function writeWarmUpFiles(job: WarmUpFilesJob): Promise<WarmUpFile[]> {
  return writeWarmUpFilesIn(job.folder, job.documents);
}

/**
 * The task a parser thread runs. Piscina hands it the job alone; `text` is for tests that call it
 * directly (a block limit small enough to reach "too large" without the memory to fill).
 */
export async function parseSpooledUpload(job: ParseJob, text: CopyTextOptions = {}): Promise<ParsedFile> {
  // Hashed and counted on its way into the file (spool.ts): read back as it is.
  const body = new MeteredBody(fs.createReadStream(job.expect.file), Number.POSITIVE_INFINITY, { hash: false });
  const parsed = await parseUpload(body, job.expect, job.limits);
  await body.drain();
  if (!parsed.ok) return parsed;
  const { docs, ...rest } = parsed;
  let rowsText: CopyText;
  try {
    rowsText = importRowsText(docs, text);
  } catch (error) {
    if (error instanceof UnstorableText) return unstorable(error, docs[error.index]);
    // Its text's block could not be allocated: refused as a file at the thread's heap cap is.
    if (error instanceof CopyTextTooLarge) return tooMuchMemory() as ParsedFile;
    throw error;
  }
  const file: ParsedFile = { ...rest, rows: docs.length, text: rowsText };
  // The text's memory is handed to the api's thread, not copied (a copy of tens of MB took as long
  // as the parse); the rest of the answer is small and cloned.
  return move({ [transferableSymbol]: [file.text.bytes.buffer, file.text.ends.buffer], [valueSymbol]: file }) as unknown as ParsedFile;
}

/**
 * A document holding text the database cannot store (db/copy-text.ts): the file is refused as any
 * bad file is, naming the document (a register's rows, a portal document's section and position)
 * and its field, before anything is written.
 */
function unstorable(error: UnstorableText, doc: unknown): ParsedFile {
  const { rowRef, ref } = (doc ?? {}) as { rowRef?: unknown; ref?: unknown };
  const where = typeof rowRef === 'string' ? rowRef : typeof ref === 'string' ? ref : `document ${error.index + 1}`;
  const message = `${error.field} contains ${error.what}, which cannot be stored`;
  return refused(400, 'invalid_file', `The file cannot be stored: ${where}: ${message}.`,
    [{ code: 'invalid_field', fatal: true, rowRef: where, field: error.field, message }],
    'Remove the character from the file (a damaged export or a paste can leave one) and upload it again.') as ParsedFile;
}
