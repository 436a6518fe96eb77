// Configuration machinery: TOML file (-c), overridden by GRACC_* environment variables, over
// defaults. The keys are defined beside what they configure; src/main/config.ts puts them together.
export { didYouMean, loadWith, type ConfigPlan, type LoadConfigOptions } from './load';
export { showValue, typeName } from './formats';
export { ConfigError } from './errors';
export { describeWith } from './describe';
export { parseDuration, parseSize } from './units';
export { compileSchema, type CompiledSchema, GENERAL, LOG_LEVELS } from './schema';
export * from './items';
