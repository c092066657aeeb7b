/**
 * RFC 4180 CSV cells that are safe to open in a spreadsheet: a cell that would start a
 * formula (=, +, -, @, tab, carriage return) is prefixed with a single quote (OWASP).
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
