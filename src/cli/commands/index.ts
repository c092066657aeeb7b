import { CliCommand } from '../command';

/** Every `ctinv` subcommand; one line each. */
export const COMMANDS: CliCommand[] = [];
