/**
 * CSV records (RFC 4180) over the lines of lines.ts: comma separated, fields optionally quoted with
 * `"` (a quote inside a quoted field doubled, `""`), a quoted field may hold commas and line breaks
 * (the record then spans several lines and is named by the line it starts on). A quote inside an
 * unquoted field is kept as an ordinary character (as most spreadsheets write it); text after a
 * closing quote other than a comma, or a quote left open at the end of the body, is a problem of
 * that record. Values are never interpreted here: `=SUM(A1)` stays the text `=SUM(A1)`.
 */
export type CsvRecord = { line: number; fields: string[] } | { line: number; problem: string };

/** The most lines one quoted field may span (a stray quote would otherwise swallow the file). */
export const MAX_RECORD_LINES = 100;

export class CsvReader {
  private fields: string[] = [];
  private field = '';
  private open = false; // inside a quoted field that continues on the next line
  private startLine = 0;
  private spanned = 0;

  /** Feeds one line (without its line break); returns the record it completes, or null while a quoted field continues. */
  push(line: number, text: string): CsvRecord | null {
    if (!this.open) {
      this.fields = [];
      this.field = '';
      this.startLine = line;
      this.spanned = 0;
    } else {
      this.field += '\n';
      if (++this.spanned >= MAX_RECORD_LINES) {
        this.open = false;
        return { line: this.startLine, problem: `a quoted field is not closed within ${MAX_RECORD_LINES} lines` };
      }
    }
    const n = text.length;
    let quoted = this.open || text.charCodeAt(0) === 34;
    let i = !this.open && quoted ? 1 : 0;
    for (;;) {
      if (quoted) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          this.field += text.slice(i);
          this.open = true;
          return null;
        }
        this.field += text.slice(i, close);
        if (text.charCodeAt(close + 1) === 34) {
          this.field += '"';
          i = close + 2;
          continue;
        }
        quoted = false;
        i = close + 1;
        if (i === n) break;
        if (text.charCodeAt(i) !== 44) {
          this.open = false;
          return { line: this.startLine, problem: `field ${this.fields.length + 1}: text after a closing quote (quote the whole field and double the quotes inside it)` };
        }
        this.fields.push(this.field);
        this.field = '';
        i++;
        if (i === n) break;
        if (text.charCodeAt(i) === 34) {
          quoted = true;
          i++;
        }
        continue;
      }
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      this.field += text.slice(i, end);
      if (comma < 0) break;
      this.fields.push(this.field);
      this.field = '';
      i = comma + 1;
      if (text.charCodeAt(i) === 34) {
        quoted = true;
        i++;
      } else if (i === n) break;
    }
    this.fields.push(this.field);
    this.open = false;
    return { line: this.startLine, fields: this.fields };
  }

  /** At the end of the body: the record left open, if any, as a problem. */
  end(): { line: number; problem: string } | null {
    if (!this.open) return null;
    this.open = false;
    return { line: this.startLine, problem: 'a quoted field is not closed at the end of the body' };
  }
}
