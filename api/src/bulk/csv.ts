import { parse } from 'csv-parse/sync';
import { FieldError } from '../common/api-error';

export interface CsvRowError extends FieldError {
  /** 1-based data row (the header is row 0). */
  row: number;
}

/** Quotes a CSV cell when needed; cells a spreadsheet would run as a formula get a leading quote. */
export function csvCell(value: unknown, guardFormula = false): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (value instanceof Date) s = value.toISOString();
  else if (typeof value === 'string') s = value;
  else if (typeof value === 'number' || typeof value === 'boolean') s = String(value);
  else s = JSON.stringify(value);
  if (guardFormula && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map((c) => csvCell(c)).join(',')}\r\n`;
}

export interface ParsedCsv {
  header: string[];
  rows: Record<string, string>[];
}

/**
 * Parses a CSV with a header line. Checks the header against the allowed columns (`ignored` ones,
 * such as an export's read-only figures, are dropped) and the row count.
 */
export function parseCsv(
  text: string,
  spec: { required: string[]; allowed: string[]; ignored?: string[]; maxRows: number },
): ParsedCsv | { errors: CsvRowError[] } {
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
      max_record_size: 64 * 1024,
    });
  } catch (err) {
    const e = err as { message?: string; lines?: number };
    return {
      errors: [
        {
          row: Math.max(0, (e.lines ?? 1) - 1),
          field: 'csv',
          reason: `is not valid CSV: ${e.message ?? 'parse error'}`,
        },
      ],
    };
  }
  if (records.length === 0)
    return {
      errors: [{ row: 0, field: 'csv', reason: 'is empty; the first line must name the columns' }],
    };
  const header = records[0].map((h) => h.toLowerCase());
  const errors: CsvRowError[] = [];
  const ignored = spec.ignored ?? [];
  header.forEach((h, i) => {
    if (!spec.allowed.includes(h) && !ignored.includes(h))
      errors.push({
        row: 0,
        field: `column ${i + 1}`,
        reason: `"${h.slice(0, 40)}" is not a known column (${spec.allowed.join(', ')})`,
      });
    if (header.indexOf(h) !== i)
      errors.push({ row: 0, field: `column ${i + 1}`, reason: `"${h}" appears twice` });
  });
  for (const r of spec.required)
    if (!header.includes(r)) errors.push({ row: 0, field: r, reason: 'column is missing' });
  const dataRows = records.length - 1;
  if (dataRows === 0) errors.push({ row: 0, field: 'csv', reason: 'has no data rows' });
  if (dataRows > spec.maxRows)
    errors.push({
      row: 0,
      field: 'csv',
      reason: `has ${dataRows} rows; at most ${spec.maxRows} per import`,
    });
  if (errors.length) return { errors };
  const rows = records.slice(1).map((cells) => {
    const row: Record<string, string> = {};
    header.forEach((h, i) => {
      if (!ignored.includes(h) && cells[i] !== '') row[h] = cells[i];
    });
    return row;
  });
  return { header, rows };
}
