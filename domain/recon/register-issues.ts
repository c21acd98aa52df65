/**
 * A register read's issues and caps: the warnings and errors it reports (at most `maxIssues` of
 * each listed, the rest counted), warnings counted once per code, and the row and cell caps of one
 * import (docs/security-limits.md). The row sink (register-sink.ts) reads rows on top of it.
 */
import { ownText } from './register-cells';
import type { RegisterReadOptions } from './register-read-types';
import type { Issue } from './types';

/** The most of an issue's message kept: it may quote a cell (text-limits.ts bounds kept texts, not quoted ones). */
const MESSAGE_MAX = 500;

export class RegisterIssues {
  readonly warnings: Issue[] = [];
  readonly errors: Issue[] = [];
  /** Set by a fatal error: the file is refused. */
  fatal = false;
  /** Issues past `maxIssues`, not listed. */
  protected dropped = 0;
  private readonly counted = new Map<string, Issue>();
  private rowsRead = 0;
  private cellsRead = 0;

  constructor(protected readonly opts: RegisterReadOptions) {}

  private push(list: Issue[], i: Issue): void {
    if (list.length >= (this.opts.maxIssues ?? 1000)) this.dropped += 1;
    else {
      i.message = ownText(i.message.length > MESSAGE_MAX ? `${i.message.slice(0, MESSAGE_MAX)}…` : i.message); // it may quote a cell
      list.push(i);
    }
  }

  error(i: Issue): void {
    if (i.fatal) this.fatal = true;
    this.push(this.errors, i);
  }

  warn(i: Issue): void {
    this.push(this.warnings, i);
  }

  /** A warning listed once, at its first row, and counted for every row after. */
  protected countWarn(code: string, message: string, rowRef: string): void {
    const w = this.counted.get(code);
    if (w) w.count = (w.count ?? 1) + 1;
    else {
      const issue: Issue = { code, message, rowRef, count: 1 };
      this.counted.set(code, issue);
      this.warn(issue);
    }
  }

  /** Counts a source row against the caps; false (with a fatal issue) once one is passed. */
  admit(cells: number): boolean {
    this.rowsRead += 1;
    this.cellsRead += cells;
    const { maxRows, maxCells } = this.opts;
    if (maxRows !== undefined && this.rowsRead > maxRows) {
      this.error({ code: 'too_many_rows', fatal: true, message: `the file has more than ${maxRows} rows, the limit for one import` });
      return false;
    }
    if (maxCells !== undefined && this.cellsRead > maxCells) {
      this.error({ code: 'too_many_cells', fatal: true, message: `the file has more than ${maxCells} cells, the limit for one import` });
      return false;
    }
    return true;
  }
}
