/**
 * The timeline webview's static DOM: the toolbar, the legend and status line, the density
 * strip, the lanes canvas, the tooltip and the screen-reader announcer. Text is set with
 * textContent only (every CloudTrail string is attacker-controlled).
 */
import { LANE_FIELDS, LANE_FIELD_LABELS } from '../shared/timeline-protocol';
import { displayText } from './format';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; attrs?: Record<string, string> } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) node.setAttribute(k, v);
  for (const child of children) node.appendChild(child);
  return node;
}

export const grouping = el('select', { attrs: { id: 'grouping', 'aria-label': 'Group lanes by' } });
for (const field of LANE_FIELDS) grouping.appendChild(el('option', { text: LANE_FIELD_LABELS[field], attrs: { value: field } }));
export const filterInput = el('input', { attrs: { id: 'filter-input', type: 'text', spellcheck: 'false', placeholder: 'Filter, e.g. accessKey:AKIA* AND NOT readOnly:true', 'aria-label': 'Filter expression (Enter to apply)' } });
export const filterError = el('div', { className: 'filter-error', attrs: { id: 'filter-error', role: 'alert' } });
const filterForm = el('div', { className: 'filter', attrs: { id: 'filter', role: 'search' } }, filterInput);
export const rangeText = el('span', { className: 'range', attrs: { id: 'range-text' } });
export const clearRange = el('button', { text: 'Clear time range', attrs: { id: 'clear-range', type: 'button', title: 'Clear the brushed time range (Escape)' } });
export const legend = el('div', { className: 'legend', attrs: { id: 'legend', 'aria-label': 'Legend' } });
export const status = el('span', { className: 'status', attrs: { id: 'status', 'aria-live': 'polite' } });
/** The toolbar's buttons, in order; `toolbarButton` adds one. */
const actions = el('span', { className: 'actions', attrs: { id: 'toolbar-actions' } });
const toolbar = el('div', { className: 'toolbar' }, el('label', { className: 'grouping', text: 'Group by ' }, grouping), filterForm, actions, rangeText, clearRange);
const infobar = el('div', { className: 'infobar' }, legend, status);
export const densityCanvas = el('canvas', { attrs: { id: 'density', 'aria-label': 'Event density over the whole range; click to move the view there' } });
export const lanesCanvas = el('canvas', {
  attrs: {
    id: 'lanes',
    tabindex: '0',
    role: 'img',
    'aria-label':
      'Timeline lanes. Left and Right: previous and next event in the lane; Up and Down: other lanes; Enter: open the event; plus and minus: zoom; Shift+Left and Shift+Right: pan; Page Up and Page Down: scroll lanes; B: apply the visible window as the time range; Escape: clear the time range; Home: fit; E: expand the collapsed group nearest the focus in its lane; C: collapse expanded groups again.',
  },
});
export const plot = el('div', { className: 'plot', attrs: { id: 'plot' } }, lanesCanvas);
export const tooltip = el('div', { className: 'tooltip', attrs: { id: 'tooltip', role: 'tooltip' } });
tooltip.hidden = true;
export const announcer = el('div', { className: 'sr-only', attrs: { id: 'announcer', 'aria-live': 'polite' } });
export const empty = el('div', { className: 'empty', attrs: { id: 'empty' } });
empty.hidden = true;

/** Adds a button to the toolbar (after the filter, before the time range text). */
export function toolbarButton(options: { id: string; text: string; title: string; onClick: () => void }): HTMLButtonElement {
  const button = el('button', { text: options.text, attrs: { id: options.id, type: 'button', title: options.title } });
  button.addEventListener('click', options.onClick);
  actions.appendChild(button);
  return button;
}

/** Puts the structure in the page (once, before the first layout). */
export function mountDom(): void {
  document.body.append(toolbar, filterError, infobar, densityCanvas, plot, empty, tooltip, announcer);
}

/** Tells screen readers (the announcer is aria-live). */
export function announce(text: string): void {
  announcer.textContent = displayText(text, 500);
}
