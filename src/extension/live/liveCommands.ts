import type { LiveCommands } from '../commandIds';

export type LiveCommandId = (typeof LiveCommands)[keyof typeof LiveCommands];

/** What a feature hands the registry: one handler per command it owns. */
export type LiveHandlers = Partial<Record<LiveCommandId, (...args: unknown[]) => Promise<void>>>;
