/** Code-unit comparison (locale-independent, the same in every run, on every machine and in the tests). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
