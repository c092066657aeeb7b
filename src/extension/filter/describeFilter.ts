import type { ExtensionServices } from '../services';
import { oneLine, plural } from '../util/text';

/** A one-line summary of the active filter for view descriptions and the status bar. */
export function describeFilter(services: ExtensionServices): string {
  const { filter, investigation } = services;
  const total = investigation.index.size;
  if (!filter.effective) return `all ${plural(total, 'event')}`;
  let matching = '';
  try {
    matching = ` · ${filter.selection().length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
  } catch {
    // an invalid brushed range cannot happen; an invalid expression is refused earlier
  }
  return `${oneLine(filter.expression || 'time range', 80)}${filter.timeRange && filter.expression ? ' + time range' : ''}${matching}`;
}
