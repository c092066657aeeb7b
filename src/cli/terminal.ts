/**
 * Terminal-safe text: event fields, file names, digests and rule files are attacker-controlled.
 * Their control characters (escape sequences, carriage returns, C1 codes) must not drive the
 * terminal, and their bidirectional controls must not reorder what the investigator reads
 * (U+202E makes "exe.txt" display as "txt.exe"; Trojan Source, CVE-2021-42574). Each is shown
 * as a visible `\uXXXX` escape instead. Every line the CLI prints from such text goes through here.
 */
// Line and paragraph separators, the bidi embeddings, overrides and isolates, and the implicit
// direction marks (LRM, RLM, the Arabic letter mark), besides C0, DEL and C1.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
