import { CliCommand } from '../command';
import { detectCommand } from './detect';
import { exportCommand } from './export';
import { lineageCommand } from './lineage';
import { mcpCommand } from './mcp';
import { queryCommand } from './query';
import { statsCommand } from './stats';
import { topCommand } from './top';
import { validateCommand } from './validate';

/** Every `ctinv` subcommand; one line each. */
export const COMMANDS: CliCommand[] = [statsCommand, queryCommand, topCommand, validateCommand, detectCommand, lineageCommand, exportCommand, mcpCommand];
