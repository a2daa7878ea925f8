/**
 * The console's look at a contacts CSV before it is sent: the header and the first rows (RFC 4180
 * quoting, a BOM, CRLF or LF), a guess at the number column, and the variable names the other
 * columns would give. Only a preview: control reads the whole file and reports each bad row.
 */
export interface CsvPreview {
  header: string[];
  rows: string[][];
  /** Data rows in the file (the header not counted; empty lines skipped). */
  rowCount: number;
}

/** Splits CSV text into records; stops after `limit` records (the header included). */
export function parseCsv(text: string, limit = Number.POSITIVE_INFINITY): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    record.push(cell.trim());
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
    cell = '';
  };
  for (; i < text.length && records.length < limit; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(cell.trim());
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else cell += ch;
  }
  if (records.length < limit && (cell !== '' || record.length > 0)) endRecord();
  return records;
}

/** Lines that hold a record, counted without parsing every cell (an estimate when cells hold line breaks). */
function countRows(text: string): number {
  let n = 0;
  for (const line of text.split(/\r?\n/)) if (line.trim() !== '') n++;
  return Math.max(0, n - 1);
}

export function previewCsv(text: string, rows = 5): CsvPreview {
  const [header = [], ...data] = parseCsv(text, rows + 1);
  return { header, rows: data, rowCount: countRows(text) };
}

/** The header that most likely holds the phone number, else the first. */
export function guessNumberColumn(header: string[]): string | undefined {
  return header.find((h) => /phone|number|mobile|msisdn|^tel|^to$/i.test(h)) ?? header[0];
}

/** A `{{variable}}` name for a header: letters, digits and _, not starting with a digit (`First name` → `first_name`). */
export function variableNameOf(header: string): string {
  const name = header
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  if (!name) return 'column';
  return /^[0-9]/.test(name) ? `_${name}`.slice(0, 64) : name;
}

/** A chosen file's text (FileReader: what every renderer, and jsdom, has). */
export function readFileText(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result ?? ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsText(file);
  });
}
