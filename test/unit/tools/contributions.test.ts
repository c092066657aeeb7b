// package.json `contributes.languageModelTools` is what VS Code shows a model before the
// extension activates: it must say exactly what the core's tool definitions say.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVIDENCE_TOOLS, inputJsonSchema } from '../../../src/core/tools/index';

interface ContributedTool {
  name: string;
  toolReferenceName?: string;
  displayName: string;
  modelDescription: string;
  inputSchema: unknown;
  canBeReferencedInPrompt?: boolean;
  tags?: string[];
}

const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: { languageModelTools?: ContributedTool[] };
};

describe('contributes.languageModelTools ⇄ the core\u2019s evidence tools', () => {
  const contributed = manifest.contributes.languageModelTools ?? [];

  it('declares every tool once, as cloudtrail_<name>, in the core\u2019s order', () => {
    assert.deepEqual(
      contributed.map((t) => t.name),
      EVIDENCE_TOOLS.map((t) => `cloudtrail_${t.name}`),
    );
  });

  it('gives each the core\u2019s description and input schema (node scripts/sync-language-model-tools.mjs writes them)', () => {
    for (const tool of EVIDENCE_TOOLS) {
      const entry = contributed.find((t) => t.name === `cloudtrail_${tool.name}`)!;
      assert.equal(entry.modelDescription, tool.description, `${entry.name}: modelDescription`);
      assert.deepEqual(entry.inputSchema, inputJsonSchema(tool), `${entry.name}: inputSchema`);
      assert.match(entry.displayName, /^CloudTrail: /);
      // What VS Code 1.96 checks before it registers a contributed tool.
      assert.match(entry.name, /^[\w-]+$/);
      if (entry.canBeReferencedInPrompt) assert.match(entry.toolReferenceName ?? '', /^[\w-]+$/);
      assert.ok(entry.tags?.includes('read-only'), `${entry.name}: tagged read-only`);
    }
  });
});
