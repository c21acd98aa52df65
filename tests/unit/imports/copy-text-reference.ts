/**
 * The import rows' COPY text as it was made before it was written straight into bytes
 * (db/copy-json.ts): each document through JSON.stringify, COPY's escaping by a regular expression,
 * a line as a string, encoded. Kept only as the reference copy-text.test.ts holds
 * `importRowsText` to, byte for byte, refusals and errors included.
 */
const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_ALL = /[\\\n\r\t]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function copyField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

const jsonLine = (seq: number, json: string): string => `${seq}\t${copyField(json)}\n`;

const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f])/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The refusal, as the code before made it (compared by its fields, not its class). */
export class ReferenceUnstorableText extends Error {
  constructor(readonly index: number, readonly field: string, readonly what: string) {
    super(`document ${index}: ${field} contains ${what}, which cannot be stored`);
  }
}

function unstorableAt(value: unknown, path: string): { field: string; what: string } | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return { field: path, what: 'a NUL character (U+0000)' };
    if (LONE_SURROGATE.test(value)) return { field: path, what: 'an unpaired UTF-16 surrogate (U+D800–U+DFFF)' };
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    const found = unstorableAt(key, at) ?? unstorableAt(inner, at);
    if (found) return found;
  }
  return undefined;
}

export function referenceRowsText(docs: readonly unknown[]): { bytes: Uint8Array; ends: Uint32Array } {
  let out = Buffer.allocUnsafeSlow(1 << 20);
  const ends = new Uint32Array(docs.length);
  let at = 0;
  for (let i = 0; i < docs.length; i += 1) {
    const json = JSON.stringify(docs[i]);
    if (json.includes('\\u') && UNSTORABLE_ESCAPE.test(json)) {
      const found = unstorableAt(docs[i], '');
      throw new ReferenceUnstorableText(i, found?.field ?? '', found?.what ?? 'text that cannot be stored');
    }
    const line = jsonLine(i, json);
    if (out.length - at < line.length * 3) {
      const grown = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + line.length * 3));
      out.copy(grown, 0, 0, at);
      out = grown;
    }
    at += out.write(line, at, 'utf8');
    if (at > 0xffffffff) throw new RangeError('the documents are more than 4 GB of COPY text');
    ends[i] = at;
  }
  return { bytes: new Uint8Array(out.buffer, out.byteOffset, at), ends };
}
