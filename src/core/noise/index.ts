/** Noise grouping: AWS-service events and console bursts as expandable groups. */
export * from './group';
export * from './arrange';
