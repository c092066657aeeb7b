/**
 * The one way the extension shows a time or a principal (src/core/model/display.ts), bound to
 * the `cloudtrail.display.timeZone` setting and to the principals of the current index. Every
 * view, hover, lens, picker, tab title and the timeline ask this object, so the setting changes
 * all of them at once.
 */
import * as vscode from 'vscode';
import type { Investigation } from '../core/engine/investigation';
import {
  formatDisplaySpan,
  formatDisplayTime,
  principalParts,
  PrincipalNames,
  type DisplayZone,
  type TimeDisplayOptions,
} from '../core/model/display';
import { affectsSetting, getSetting } from './settings';
import { Disposable } from './util/disposables';

export type TimeForm = NonNullable<TimeDisplayOptions['form']>;

/** The setting's value, checked: it is user-written JSON. */
export function displayZoneSetting(): DisplayZone {
  return getSetting('display.timeZone') === 'local' ? 'local' : 'utc';
}

export class DisplayFormat extends Disposable {
  private current: DisplayZone = displayZoneSetting();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the time zone setting changes (views redraw their times). */
  readonly onDidChange = this.changed.event;
  private names: { index: object; count: number; names: PrincipalNames } | undefined;

  constructor(private readonly investigation: Investigation) {
    super();
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!affectsSetting(e, 'display')) return;
        const zone = displayZoneSetting();
        if (zone === this.current) return;
        this.current = zone;
        this.changed.fire();
      }),
    );
  }

  get zone(): DisplayZone {
    return this.current;
  }

  /** `2026-03-04 05:08:31Z` (full), `03-04 05:08:31Z` (short, for rows), `05:08:31` (clock). */
  time(ms: number, form: TimeForm = 'full', precision: TimeDisplayOptions['precision'] = 'second'): string {
    return formatDisplayTime(ms, { zone: this.current, form, precision });
  }

  /** `2026-03-04 05:08:31Z – 05:09:02Z`; `no times` when either end is missing. */
  span(first: number | undefined, last: number | undefined): string {
    return formatDisplaySpan(first, last, { zone: this.current });
  }

  /** What the zone is called in a tooltip heading: `UTC` or `local time`. */
  get zoneName(): string {
    return this.current === 'utc' ? 'UTC' : 'local time';
  }

  /** The one display name of a principal key, unambiguous among the index's principals. */
  principal(key: string | undefined): string {
    if (key === undefined || key === '') return '(no principal)';
    return this.principalNames().name(key);
  }

  /** The account a principal key names, when it names one. */
  principalAccount(key: string): string | undefined {
    return principalParts(key).account;
  }

  /**
   * Names for every principal the index holds; built again when the index is replaced or gains
   * principals (its dictionary only grows until then), so a name does not change with the filter.
   */
  principalNames(): PrincipalNames {
    const index = this.investigation.index;
    const keys = index.dictionary('principal');
    const cached = this.names;
    if (cached && cached.index === index && cached.count === keys.length) return cached.names;
    const names = PrincipalNames.of(keys.filter((k) => k !== ''));
    this.names = { index, count: keys.length, names };
    return names;
  }
}
