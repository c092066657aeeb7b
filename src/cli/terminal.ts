/**
 * Terminal-safe text: event fields, file names and rule files are attacker-controlled, and
 * their control characters (escape sequences, carriage returns) must not drive the terminal.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
