/**
 * CSV cells for `ctinv query --format csv`: the evidence export's writer (csv.ts), so both
 * outputs quote alike (RFC 4180) and defuse the same formula triggers (OWASP).
 */
export { csvField as csvCell, csvRow as csvLine } from './csv';
