/** Identity lineage: from a key, session or event back to the long-term identity. */
export * from './lineage';
