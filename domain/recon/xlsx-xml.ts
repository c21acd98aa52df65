/**
 * The little XML an XLSX register needs, read with `indexOf` rather than an XML parser: entity
 * and line-end decoding as an XML parser does it (saxes, which exceljs uses), attributes, a walk
 * over the tags and text of one small element (a shared string, an unusual cell), and the workbook
 * and relationship parts. What each answer is, is what exceljs's streaming reader answers for the
 * same XML (xlsx-sheet-rows.ts says which of its rules it keeps and why).
 */

import type { DateSystem } from './dates';
import { XLSX_CELL_CHARS } from './text-limits';

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Text as an XML parser hands it over: entities replaced, `\r\n` and a lone `\r` read as `\n`. */
export function xmlText(raw: string): string {
  let s = raw;
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  if (!s.includes('&')) return s;
  return s.replace(/&([^;&\s<]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`malformed entity in the workbook's XML: ${whole.slice(0, 20)}`);
    const named = NAMED[name];
    if (named !== undefined) return named;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : name.startsWith('#') ? Number.parseInt(name.slice(1), 10) : Number.NaN;
    if (!Number.isInteger(code) || code < 0 || code > 0x10ffff || !/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(name)) {
      throw new Error(`undefined entity in the workbook's XML: &${name.slice(0, 20)};`);
    }
    return String.fromCodePoint(code);
  });
}

/** An attribute value as an XML parser hands it over (whitespace characters read as spaces). */
function attrText(raw: string): string {
  const s = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  return xmlText(/[\t\n]/.test(s) ? s.replace(/[\t\n]/g, ' ') : s);
}

/**
 * exceljs decodes the text of inline strings and string formula results a second time (its
 * `xmlDecode`: the five named entities, nothing else), so `&amp;lt;` in the file reads as `<`.
 */
export function excelDecodeAgain(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([a-z]*);/g, (c) => (c === '&lt;' ? '<' : c === '&gt;' ? '>' : c === '&amp;' ? '&' : c === '&apos;' ? "'" : c === '&quot;' ? '"' : c));
}

/** The value of attribute `name` in a tag's attribute text (` r="A1" t="s"`), decoded; undefined when absent. */
export function attr(attrs: string, name: string): string | undefined {
  let from = 0;
  for (;;) {
    const at = attrs.indexOf(name, from);
    if (at < 0) return undefined;
    from = at + name.length;
    const before = at === 0 ? ' ' : attrs[at - 1]!;
    if (before !== ' ' && before !== '\t' && before !== '\n' && before !== '\r') continue;
    let i = from;
    while (attrs[i] === ' ' || attrs[i] === '\t' || attrs[i] === '\n' || attrs[i] === '\r') i += 1;
    if (attrs[i] !== '=') continue;
    i += 1;
    while (attrs[i] === ' ' || attrs[i] === '\t' || attrs[i] === '\n' || attrs[i] === '\r') i += 1;
    const q = attrs[i];
    if (q !== '"' && q !== "'") continue;
    const end = attrs.indexOf(q, i + 1);
    if (end < 0) throw new Error("unclosed attribute in the workbook's XML");
    const raw = attrs.slice(i + 1, end);
    return raw.includes('&') || raw.includes('\t') || raw.includes('\n') || raw.includes('\r') ? attrText(raw) : raw;
  }
}

/** One step of a walk over an element's content: a tag (open, close or both) or a run of text. */
export type XmlStep =
  | { kind: 'open'; name: string; attrs: string; selfClosing: boolean }
  | { kind: 'close'; name: string }
  | { kind: 'text'; text: string };

/**
 * The tags and (decoded) text of `xml[from, to)`, in order. Comments, processing instructions and
 * CDATA sections give nothing: exceljs listens to neither, so a value inside CDATA is no value.
 */
export function* xmlSteps(xml: string, from: number, to: number): Generator<XmlStep> {
  let i = from;
  while (i < to) {
    const lt = xml.indexOf('<', i);
    const stop = lt < 0 || lt > to ? to : lt;
    if (stop > i) yield { kind: 'text', text: xmlText(xml.slice(i, stop)) };
    if (stop >= to) return;
    if (xml.startsWith('<!--', stop)) {
      const end = xml.indexOf('-->', stop + 4);
      if (end < 0 || end + 3 > to) throw new Error("unclosed comment in the workbook's XML");
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', stop)) {
      const end = xml.indexOf(']]>', stop + 9);
      if (end < 0 || end + 3 > to) throw new Error("unclosed CDATA in the workbook's XML");
      i = end + 3;
    } else if (xml.startsWith('<?', stop)) {
      const end = xml.indexOf('?>', stop + 2);
      if (end < 0 || end + 2 > to) throw new Error("unclosed processing instruction in the workbook's XML");
      i = end + 2;
    } else {
      const gt = tagEnd(xml, stop + 1);
      if (gt < 0 || gt >= to) throw new Error("unclosed tag in the workbook's XML");
      if (xml[stop + 1] === '/') {
        yield { kind: 'close', name: xml.slice(stop + 2, gt).trim() };
      } else {
        const selfClosing = xml[gt - 1] === '/';
        const body = xml.slice(stop + 1, selfClosing ? gt - 1 : gt);
        const space = body.search(/[\s]/);
        const name = space < 0 ? body : body.slice(0, space);
        const attrs = space < 0 ? '' : body.slice(space);
        yield { kind: 'open', name, attrs, selfClosing };
        if (selfClosing) yield { kind: 'close', name };
      }
      i = gt + 1;
    }
  }
}

/** The `>` that ends the tag whose name starts at `from`, skipping quoted attribute values; -1 when none. */
export function tagEnd(xml: string, from: number): number {
  let i = from;
  for (;;) {
    const gt = xml.indexOf('>', i);
    if (gt < 0) return -1;
    let q = -1;
    for (let k = i; k < gt; k += 1) {
      const c = xml.charCodeAt(k);
      if (c === 34 || c === 39) {
        q = k;
        break;
      }
    }
    if (q < 0) return gt;
    const close = xml.indexOf(xml[q]!, q + 1);
    if (close < 0) return -1;
    i = close + 1;
  }
}

/**
 * One `<si>` of the shared strings, given its content, as exceljs's reader turns it into a cell:
 * the text of its `<t>` (a `<t>` starts the text again, so a phonetic `<rPh>` after the text is
 * what it reads), or its rich-text runs joined; null for an item with no text.
 */
export function sharedStringOf(xml: string, from: number, to: number): string | null {
  // The shape nearly every writer uses: <t>text</t> or <t xml:space="preserve">text</t>.
  if (xml.startsWith('<t', from) && xml.startsWith('</t>', to - 4)) {
    const gt = xml.indexOf('>', from + 2);
    const c = xml[from + 2];
    if (gt > 0 && gt < to - 4 && (c === '>' || c === ' ') && xml[gt - 1] !== '/') {
      const inner = xml.slice(gt + 1, to - 4);
      if (!inner.includes('<')) return inner === '' ? null : xmlText(inner);
    }
  }
  let text: string | null = null;
  let runs: Array<string | null> | null = null;
  for (const step of xmlSteps(xml, from, to)) {
    if (step.kind === 'text') text = text ? text + step.text : step.text;
    else if (step.kind === 'open' && step.name === 't') text = null;
    else if (step.kind === 'close' && step.name === 'r') {
      (runs ??= []).push(text);
      text = null;
    }
  }
  return runs ? runs.map((r) => r ?? '').join('') : text;
}

/**
 * Every `<si>` of a shared-strings part (its whole text: the part is capped and kept anyway).
 * `trim`: each string trimmed once here, for a reader that trims every cell's text before use
 * anyway (the register's cellText): one string may be referenced by millions of cells of a small
 * ZIP, and a 32k-space string trimmed per cell cost a minute of CPU per 400,000 cells.
 */
export function readSharedStrings(xml: string, trim = false): Array<string | null> {
  const out: Array<string | null> = [];
  let i = 0;
  for (;;) {
    const at = xml.indexOf('<si', i);
    if (at < 0) return out;
    const c = xml[at + 3];
    if (c !== '>' && c !== '/' && c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      i = at + 3;
      continue;
    }
    const gt = tagEnd(xml, at + 3);
    if (gt < 0) throw new Error("unclosed tag in the workbook's shared strings");
    if (xml[gt - 1] === '/') {
      out.push(null);
      i = gt + 1;
      continue;
    }
    const end = xml.indexOf('</si>', gt + 1);
    if (end < 0) throw new Error("unclosed <si> in the workbook's shared strings");
    const text = sharedStringOf(xml, gt + 1, end);
    // Past Excel's limit for a cell (text-limits.ts): one string may be read by every row of a sheet.
    if (text !== null && text.length > XLSX_CELL_CHARS) {
      throw new Error(`a shared string of the workbook has ${text.length} characters, more than Excel's ${XLSX_CELL_CHARS} for a cell`);
    }
    out.push(text === null || !trim ? text : text.trim());
    i = end + 5;
  }
}

/** The `Relationship` elements of a relationships part, in order. */
export function readRelationships(xml: string): Array<{ id: string | undefined; target: string | undefined }> {
  const rels: Array<{ id: string | undefined; target: string | undefined }> = [];
  for (const step of xmlSteps(xml, 0, xml.length)) {
    if (step.kind === 'open' && step.name === 'Relationship') rels.push({ id: attr(step.attrs, 'Id'), target: attr(step.attrs, 'Target') });
  }
  return rels;
}

/**
 * The workbook part: its `<sheet>` elements, in order (names decoded once more, as exceljs does),
 * and its date system (`<workbookPr date1904="1"/>`: serial dates count from 1904, not 1900).
 */
export function readWorkbookPart(xml: string): { sheets: Array<{ rId: string | undefined; name: string }>; dateSystem: DateSystem } {
  const sheets: Array<{ rId: string | undefined; name: string }> = [];
  let dateSystem: DateSystem = '1900';
  for (const step of xmlSteps(xml, 0, xml.length)) {
    if (step.kind !== 'open') continue;
    if (step.name === 'sheet') {
      const name = attr(step.attrs, 'name');
      if (name === undefined) throw new Error('a sheet of the workbook has no name');
      sheets.push({ rId: attr(step.attrs, 'r:id'), name: excelDecodeAgain(name) });
    } else if (step.name === 'workbookPr') {
      // An xsd:boolean: "1" or "true" (Excel writes the first, some libraries the second).
      const flag = attr(step.attrs, 'date1904')?.trim();
      if (flag === '1' || flag === 'true') dateSystem = '1904';
    }
  }
  return { sheets, dateSystem };
}
