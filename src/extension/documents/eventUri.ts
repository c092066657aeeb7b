import * as vscode from 'vscode';
import type { EventId } from '../../core/engine/api';
import type { Investigation } from '../../core/engine/investigation';
import type { DisplayFormat } from '../display';
import { safeFileSegment } from '../util/text';
import { recordOfEventId } from '../../core/index/lookup';

export const EVENT_SCHEME = 'cloudtrail-event';
export const GZ_SCHEME = 'cloudtrail-gz';

/**
 * The tab title of an event: `ConsoleLogin 03-04 05:08:31Z carol-admin.json`, so that three
 * ConsoleLogin tabs can be told apart. The event name and the principal's display name are
 * attacker text: each is reduced to letters, digits, `_` and `-` (`.`, `/`, `@` and spaces become
 * `-` first so that `carol.admin` stays readable); the time is ours (the short display form).
 */
export function eventFileName(investigation: Investigation, display: DisplayFormat, id: EventId): string {
  const index = investigation.index;
  const name = safeFileSegment(index.value('eventName', id), 'event');
  const who = safeFileSegment(display.principal(index.value('principal', id)).replace(/[./@\s]+/g, '-').replace(/^-+|-+$/g, ''), 'unknown');
  const time = index.time(id);
  return Number.isFinite(time) ? `${name} ${display.time(time, 'short')} ${who}.json` : `${name} ${who}.json`;
}

/**
 * `cloudtrail-event:/<id>/<file name>.json?eventId=<eventID>` (see eventFileName: event text
 * never names a path); the eventID lets the provider find the event again after the index was
 * rebuilt with other ids.
 */
export function eventUri(investigation: Investigation, display: DisplayFormat, id: EventId): vscode.Uri {
  const eventId = investigation.index.value('eventId', id) ?? '';
  return vscode.Uri.from({ scheme: EVENT_SCHEME, path: `/${id}/${eventFileName(investigation, display, id)}`, query: new URLSearchParams({ eventId }).toString() });
}

export function parseEventUri(investigation: Investigation, uri: vscode.Uri): EventId | undefined {
  const match = /^\/(\d+)\//.exec(uri.path);
  const eventId = new URLSearchParams(uri.query).get('eventId') ?? '';
  const index = investigation.index;
  if (match) {
    const id = Number(match[1]);
    if (id < index.size && (!eventId || index.value('eventId', id) === eventId)) return id;
  }
  return eventId ? recordOfEventId(index, eventId) : undefined;
}

export async function openEventDocument(investigation: Investigation, display: DisplayFormat, id: EventId, options: vscode.TextDocumentShowOptions = {}): Promise<void> {
  const document = await vscode.workspace.openTextDocument(eventUri(investigation, display, id));
  await vscode.window.showTextDocument(document, { preview: true, ...options });
}

/** `cloudtrail-gz:/path/to/file.json` shows `/path/to/file.json.gz` decompressed. */
export function gzUri(file: vscode.Uri): vscode.Uri {
  const decompressedPath = file.path.replace(/\.gz$/i, '');
  const withJson = /\.json$/i.test(decompressedPath) ? decompressedPath : `${decompressedPath}.json`;
  return vscode.Uri.from({ scheme: GZ_SCHEME, path: withJson, query: new URLSearchParams({ file: file.fsPath }).toString() });
}

export function gzSourcePath(uri: vscode.Uri): string | undefined {
  return new URLSearchParams(uri.query).get('file') ?? undefined;
}
