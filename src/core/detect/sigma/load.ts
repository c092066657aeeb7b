/**
 * Loads Sigma rule files (YAML) from files and folders. A rule that cannot be used is reported
 * with its file and the reason; the other rules still load.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { compileSigmaRule, SigmaRule, SigmaSyntaxError, SigmaUnsupportedError } from './rule';

export interface SigmaProblem {
  file: string;
  /** "unsupported": a construct this engine does not evaluate; "invalid": the rule is malformed or unreadable. */
  kind: 'unsupported' | 'invalid';
  reason: string;
  title?: string;
}

export interface SigmaLoadResult {
  rules: SigmaRule[];
  problems: SigmaProblem[];
}

/** Largest rule file we read: Sigma rules are a few KB. */
const MAX_RULE_BYTES = 1024 * 1024;

/** Parses the text of one rule file. */
export function parseSigmaText(text: string, file: string): SigmaLoadResult {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, null, { filename: file });
  } catch (error) {
    return { rules: [], problems: [{ file, kind: 'invalid', reason: `YAML error: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` }] };
  }
  documents = documents.filter((d) => d !== null && d !== undefined);
  if (documents.length === 0) return { rules: [], problems: [{ file, kind: 'invalid', reason: 'empty file' }] };
  if (documents.length > 1) {
    return { rules: [], problems: [{ file, kind: 'unsupported', reason: `${documents.length} YAML documents in one file (rule collections) are not supported` }] };
  }
  const document = documents[0];
  const title = document !== null && typeof document === 'object' && typeof (document as { title?: unknown }).title === 'string' ? (document as { title: string }).title : undefined;
  try {
    return { rules: [compileSigmaRule(document, file)], problems: [] };
  } catch (error) {
    if (error instanceof SigmaUnsupportedError) return { rules: [], problems: [{ file, kind: 'unsupported', reason: error.message, title }] };
    if (error instanceof SigmaSyntaxError) return { rules: [], problems: [{ file, kind: 'invalid', reason: error.message, title }] };
    throw error;
  }
}

async function collect(target: string, out: string[], signal?: AbortSignal, depth = 0): Promise<void> {
  signal?.throwIfAborted();
  const stat = await fs.stat(target);
  if (stat.isDirectory()) {
    if (depth > 20) return;
    const entries = (await fs.readdir(target)).sort();
    for (const entry of entries) {
      if (entry.startsWith('.')) continue;
      const child = path.join(target, entry);
      const childStat = await fs.stat(child).catch(() => undefined);
      if (childStat?.isDirectory()) await collect(child, out, signal, depth + 1);
      else if (/\.ya?ml$/i.test(entry)) out.push(child);
    }
  } else {
    out.push(target);
  }
}

/** Loads every .yml/.yaml under the given files and folders (recursively), in name order. */
export async function loadSigmaRules(paths: readonly string[], options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<SigmaLoadResult> {
  const files: string[] = [];
  const problems: SigmaProblem[] = [];
  for (const p of paths) {
    try {
      await collect(p, files, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      problems.push({ file: p, kind: 'invalid', reason: `cannot read: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  const rules: SigmaRule[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    options.signal?.throwIfAborted();
    const file = files[i];
    let text: string;
    try {
      const stat = await fs.stat(file);
      if (stat.size > MAX_RULE_BYTES) {
        problems.push({ file, kind: 'invalid', reason: `file is ${stat.size} bytes; rule files over ${MAX_RULE_BYTES} bytes are not read` });
        continue;
      }
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      problems.push({ file, kind: 'invalid', reason: `cannot read: ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    const result = parseSigmaText(text, file);
    for (const rule of result.rules) {
      if (ids.has(rule.id)) {
        problems.push({ file, kind: 'invalid', reason: `duplicate rule id ${rule.id}; the first one loaded is kept`, title: rule.title });
        continue;
      }
      ids.add(rule.id);
      rules.push(rule);
    }
    problems.push(...result.problems);
    options.onProgress?.(i + 1, files.length);
  }
  return { rules, problems };
}
