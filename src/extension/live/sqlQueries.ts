/**
 * Athena and CloudTrail Lake: write the SQL for the current filter into an editor to review
 * and edit, then "Run This Query" starts it, polls with a cancel that stops the remote query,
 * shows the bytes scanned, and loads the rows as a live source.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { liveFilterFrom } from '../../core/aws/filterTerms';
import { describeAthenaTable, runAthenaQuery, runLakeQuery, type QuerySummary } from '../../core/aws/queries';
import { athenaSql, athenaTargetFor, lakeSql, statementOf, type AthenaTarget, type GeneratedSql, type SqlDialect } from '../../core/aws/sql';
import type { ExtensionServices } from '../services';
import { abortSignalFor, errorMessage } from '../util/cancellation';
import type { LiveHandlers } from './liveCommands';
import { LiveSettings } from './liveSettings';
import { getSetting, stringSetting } from '../settings';
import { LiveCommands } from '../commandIds';

const MARKER = '-- CloudTrail Investigator:';
const DAY = 86400_000;

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

export function sqlQueryHandlers(services: Pick<ExtensionServices, 'context' | 'filter' | 'investigation' | 'log'>, settings: LiveSettings): LiveHandlers {
  const log = services.log;

  /**
   * The table as it really is (GetTableMetadata): its partition keys and columns decide the
   * SQL. When the metadata cannot be read, the partition settings are used and the SQL's
   * header says so.
   */
  const athenaTarget = async (database: string, table: string, regions: readonly string[]): Promise<AthenaTarget> => {
    const fallback = (why: string): AthenaTarget => ({
      database,
      table,
      regionPartition: getSetting('athena.regionPartition'),
      datePartition: getSetting('athena.datePartition'),
      notes: [`The table's metadata was not read (${why}): partition columns from the settings cloudtrail.athena.regionPartition and .datePartition, unchecked.`],
    });
    const profile = await settings.pickProfile();
    if (!profile) return fallback('no AWS profile chosen');
    const region = stringSetting('athena.region') ?? settings.regions[0] ?? 'us-east-1';
    try {
      const info = await describeAthenaTable({
        factory: settings.factoryFor(profile),
        region,
        database,
        table,
        workgroup: stringSetting('athena.workgroup'),
      });
      const { target, notes } = athenaTargetFor(database, table, info, regions);
      for (const note of notes) log.info(`Athena ${database}.${table}: ${note}`);
      return target;
    } catch (error) {
      log.warn(`Athena ${database}.${table}: GetTableMetadata failed: ${errorMessage(error)}`);
      return fallback(errorMessage(error));
    }
  };

  const generate = async (dialect: SqlDialect): Promise<void> => {
    let generated: GeneratedSql;
    let indexOnly: string[];
    try {
      const live = liveFilterFrom(services.filter.effectiveNode);
      const end = live.end ?? Date.now();
      const request = {
        terms: live.terms,
        start: live.start ?? end - DAY,
        end,
        regions: settings.regions.length ? settings.regions : undefined,
        // The filter language falls back to case-insensitive matching; SQL must not be narrower.
        caseInsensitive: true,
      };
      if (dialect === 'athena') {
        const database = stringSetting('athena.database');
        const table = stringSetting('athena.table');
        if (!database || !table) throw new Error('Set cloudtrail.athena.database and cloudtrail.athena.table first (see the README for the table DDL).');
        generated = athenaSql(await athenaTarget(database, table, request.regions ?? []), request);
      } else {
        const store = stringSetting('lake.eventDataStore');
        if (!store) throw new Error('Set cloudtrail.lake.eventDataStore (the event data store id or ARN) first.');
        generated = lakeSql({ eventDataStore: store }, request);
      }
      indexOnly = live.indexOnly;
    } catch (error) {
      void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
      return;
    }
    const header = [
      `${MARKER} ${dialect}`,
      `-- ${generated.explanation.replace(/\n/g, ' ')}`,
      ...(indexOnly.length ? [`-- Also applied by the index after loading: ${indexOnly.join(' AND ').replace(/\n/g, ' ')}`] : []),
      '-- Review and edit, then run "CloudTrail: Run This Query and Load the Rows".',
    ].join('\n');
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: `${header}\n${generated.sql}\n` });
    await vscode.window.showTextDocument(document);
  };

  const run = async (): Promise<void> => {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showErrorMessage('CloudTrail: open the SQL to run in an editor first.');
      return;
    }
    const text = editor.document.getText();
    let dialect = new RegExp(`^${MARKER} (athena|lake)`, 'm').exec(text)?.[1] as SqlDialect | undefined;
    if (!dialect) {
      const pick = await vscode.window.showQuickPick(['athena', 'lake'], { title: 'Run this SQL on' });
      if (!pick) return;
      dialect = pick as SqlDialect;
    }
    const sql = statementOf(text);
    if (!sql) {
      void vscode.window.showErrorMessage('CloudTrail: the editor holds no SQL statement.');
      return;
    }
    const profile = await settings.pickProfile();
    if (!profile) return;
    const region = stringSetting(dialect === 'athena' ? 'athena.region' : 'lake.region') ?? settings.regions[0] ?? 'us-east-1';
    const storage = services.context.globalStorageUri.fsPath;
    const label = `${dialect === 'athena' ? 'Athena' : 'CloudTrail Lake'} · ${profile} · ${region}`;
    const source = await services.investigation.createLiveSource(label, path.join(storage, 'live'));
    log.info(`${label}: running\n${sql}`);
    const summary = await vscode.window.withProgress<QuerySummary | undefined>(
      { location: vscode.ProgressLocation.Notification, title: `CloudTrail: ${label}`, cancellable: true },
      async (progress, token) => {
        const abort = abortSignalFor(token);
        try {
          const common = {
            factory: settings.factoryFor(profile),
            region,
            sql,
            signal: abort.signal,
            onRows: (records: Record<string, unknown>[]) => source.append(records),
            onProgress: (p: { state: string; bytesScanned: number; rows: number }) =>
              progress.report({ message: `${p.state}, ${bytes(p.bytesScanned)} scanned${p.rows ? `, ${p.rows} rows loaded` : ''}` }),
          };
          if (dialect === 'athena') {
            const database = stringSetting('athena.database');
            if (!database) throw new Error('Set cloudtrail.athena.database first.');
            return await runAthenaQuery({ ...common, database, workgroup: stringSetting('athena.workgroup'), outputLocation: stringSetting('athena.outputLocation') });
          }
          return await runLakeQuery(common);
        } catch (error) {
          log.error(`${label} failed: ${errorMessage(error)}`);
          void vscode.window.showErrorMessage(`CloudTrail: ${errorMessage(error)}`);
          return undefined;
        } finally {
          abort.dispose();
        }
      },
    );
    if (!summary) return;
    const what = `${summary.rows} rows, ${bytes(summary.bytesScanned)} scanned (query ${summary.queryId ?? 'not started'})`;
    log.info(`${label}: ${summary.state}, ${what}`);
    if (summary.error) {
      log.error(summary.error);
      void vscode.window.showErrorMessage(`CloudTrail: ${summary.error}`);
    } else if (summary.cancelled) {
      void vscode.window.showWarningMessage(`CloudTrail: query cancelled${summary.remoteStopped ? ' and stopped in AWS' : ''}; kept ${what}.`);
    } else {
      void vscode.window.showInformationMessage(`CloudTrail: loaded ${what}.`);
    }
  };

  return {
    [LiveCommands.athenaSql]: () => generate('athena'),
    [LiveCommands.lakeSql]: () => generate('lake'),
    [LiveCommands.runQuery]: run,
  };
}
