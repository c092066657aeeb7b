/**
 * Shaping attacker-controlled CloudTrail text for display. Labels and descriptions of tree
 * items are plain text already; Markdown needs escaping; one-line UI needs truncation.
 */
import { escapeInvisibles } from '../../core/model/display';

const MARKDOWN_SPECIALS = /[\\`*_{}[\]()#+\-.!|<>~&:$"']/g;

/** Escapes text for a MarkdownString so it renders literally and can never form a link or command. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(MARKDOWN_SPECIALS, (ch) => `\\${ch}`);
}

/**
 * Single line, bounded length: what a label or status bar text may hold. Line breaks become
 * spaces; bidi controls and other invisible format characters are shown escaped, so attacker
 * text cannot reorder or hide the rest of a row.
 */
export function oneLine(text: string, max = 120): string {
  const flat = escapeInvisibles(text.replace(/[\r\n\t\u2028\u2029]+/g, ' '));
  if (flat.length <= max) return flat;
  let cut = flat.slice(0, max - 1);
  // Never cut inside an escape or a surrogate pair.
  const partial = /\\(u[0-9a-f]{0,3})?$/.exec(cut);
  if (partial) cut = cut.slice(0, partial.index);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}

/** A name safe to use as a file name segment in a virtual document URI. */
export function safeFileSegment(text: string | undefined, fallback: string): string {
  const cleaned = (text ?? '').replace(/[^A-Za-z0-9_-]+/g, '').slice(0, 64);
  return cleaned || fallback;
}

/**
 * Breaks `$(name)` so event text cannot show theme icons where VS Code renders that syntax
 * (status bar text, Quick Pick labels, code lens titles).
 */
export function withoutIconSyntax(text: string): string {
  return text.replace(/\$\(/g, '$\u200b(');
}
