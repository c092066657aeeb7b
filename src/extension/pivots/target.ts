import type { PivotField } from '../../core/index/fields';
import { PIVOT_FIELDS } from '../../core/index/fields';

/** A field and one of its values: what tree items, lenses and pivot commands act on. */
export interface PivotTarget {
  readonly field: PivotField;
  readonly value: string;
}

export function isPivotField(name: unknown): name is PivotField {
  return typeof name === 'string' && (PIVOT_FIELDS as readonly string[]).includes(name);
}

/** Accepts a tree node or lens argument ({field, value}); anything else is not a target. */
export function asPivotTarget(arg: unknown): PivotTarget | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const { field, value } = arg as { field?: unknown; value?: unknown };
  return isPivotField(field) && typeof value === 'string' ? { field, value } : undefined;
}
