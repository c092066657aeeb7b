/** The incident report (Markdown) built from findings, lineage and events. */
export * from './incident';
