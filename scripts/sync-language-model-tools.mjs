// Writes package.json `contributes.languageModelTools` from the evidence tools' definitions
// (src/core/tools), so what VS Code shows a model before activation is what the tools are.
// Run after changing a tool's name, title, description or input: `npx tsc -p . && node
// scripts/sync-language-model-tools.mjs` (`--check` only reports a difference, exit 1).
// test/unit/tools/contributions.test.ts fails while they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { EVIDENCE_TOOLS, inputJsonSchema } = require(path.join(root, 'out', 'src', 'core', 'tools', 'index.js'));

const manifestPath = path.join(root, 'package.json');
const text = readFileSync(manifestPath, 'utf8');
const manifest = JSON.parse(text);
const previous = new Map((manifest.contributes.languageModelTools ?? []).map((t) => [t.name, t]));
manifest.contributes.languageModelTools = EVIDENCE_TOOLS.map((tool) => {
  const name = `cloudtrail_${tool.name}`;
  return {
    name,
    toolReferenceName: name,
    displayName: `CloudTrail: ${tool.title}`,
    // The first sentence for people; the whole description for the model.
    userDescription: previous.get(name)?.userDescription ?? `${tool.description.split('. ')[0]}.`,
    modelDescription: tool.description,
    canBeReferencedInPrompt: true,
    icon: '$(search)',
    tags: ['cloudtrail', 'aws', 'security', 'investigation', 'read-only'],
    inputSchema: inputJsonSchema(tool),
  };
});
const updated = JSON.stringify(manifest, null, 2) + '\n';
if (updated === text) {
  process.stdout.write('package.json languageModelTools: up to date\n');
} else if (process.argv.includes('--check')) {
  process.stdout.write('package.json languageModelTools: differ from src/core/tools (run node scripts/sync-language-model-tools.mjs)\n');
  process.exitCode = 1;
} else {
  writeFileSync(manifestPath, updated);
  process.stdout.write('package.json languageModelTools: written\n');
}
