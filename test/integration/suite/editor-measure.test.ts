// A measurement, not a test: lens placement on a 50 MB Records file in the real host
// (document sync, getText, the scan, positionAt). Runs only when CTINV_MEASURE_LENSES is set
// and asserts no timing; it writes the figures to test-results/editor-lens-50mb.txt.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { recordsFile } from '../../../bench/lenses';
import { activatedApi, ensureSampleLoaded, tempFolder } from './editor-helpers';

/** VS Code does not hand documents above 50 MiB to extensions; 50 MB (decimal) is just under. */
const SIZE = 50_000_000;

if (process.env.CTINV_MEASURE_LENSES) {
  describe('editor: lens placement on a 50 MB Records file (measurement)', () => {
    it('places the capped lenses and records how long it took', async () => {
      const api = await activatedApi();
      await ensureSampleLoaded(api);
      const file = path.join(tempFolder('measure'), 'records-50mb.json');
      fs.writeFileSync(file, recordsFile(SIZE - 10_000, true));
      const uri = vscode.Uri.file(file);
      const figures: string[] = [`file: ${(fs.statSync(file).size / 1e6).toFixed(1)} MB pretty-printed Records (VS Code ${vscode.version})`];
      let started = performance.now();
      const document = await vscode.workspace.openTextDocument(uri);
      figures.push(`openTextDocument: ${(performance.now() - started).toFixed(0)} ms (${document.lineCount} lines)`);
      for (const run of ['first (scan)', 'second (cached scan)']) {
        started = performance.now();
        // Without a resolve count the command returns every placed lens, unresolved.
        const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
        figures.push(`executeCodeLensProvider ${run}: ${(performance.now() - started).toFixed(0)} ms, ${lenses.length} lenses`);
        assert.ok(lenses.length > 0);
      }
      const scan = api.lenses.scan(document);
      figures.push(`provider scan (inside the extension host): ${scan.scanMs.toFixed(0)} ms, ${scan.result.sites.length} sites, capped: ${scan.result.truncated}`);
      started = performance.now();
      const resolved = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 50)) ?? [];
      figures.push(`placing and resolving 50 lenses: ${(performance.now() - started).toFixed(0)} ms (${resolved.filter((l) => l.command).length} resolved)`);
      const out = path.resolve(__dirname, '..', '..', '..', '..', 'test-results', 'editor-lens-50mb.txt');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, figures.join('\n') + '\n');
      api.log.info(`lens measurement: ${figures.join('; ')}`);
      fs.rmSync(file, { force: true });
    });
  });
}
