/**
 * Shaping attacker-controlled CloudTrail text for display. Labels and descriptions of tree
 * items are plain text already; Markdown needs escaping; one-line UI needs truncation.
 */
const MARKDOWN_SPECIALS = /[\\`*_{}[\]()#+\-.!|<>~&:$"']/g;

/** Escapes text for a MarkdownString so it renders literally and can never form a link or command. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(MARKDOWN_SPECIALS, (ch) => `\\${ch}`);
}

/** Single line, bounded length: what a label or status bar text may hold. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/[\r\n\t\u2028\u2029]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
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
