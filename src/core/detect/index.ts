/** Detections: built-in rules, Sigma rules, and the engine that runs them. */
export * from './types';
export { builtinRules, BUILTIN_RULE_IDS } from './builtin';
export {
  runDetections,
  runDetectionsReport,
  evaluateRulesOnEvents,
  sortEventsByTime,
  prefilterQuery,
  prefilterSelection,
  DetectionReport,
  RuleError,
} from './engine';
export { compileSigmaRule, fieldValues as sigmaFieldValues, MAX_REGEX_INPUT, SigmaRule, SigmaSyntaxError, SigmaUnsupportedError } from './sigma/rule';
export { loadSigmaRules, parseSigmaText, SigmaLoadResult, SigmaProblem } from './sigma/load';
