export type { LinModel, LinOperation, LinPartition, LinVerdict } from './model.js';
export { LinSearch } from './search.js';
export { DEFAULT_MAX_MEMORY_BYTES, SearchBudget, type LinStopReason, type SearchBudgetOptions } from './budget.js';
export { checkLinearizable, checkLinearizableAsync, DEFAULT_WITNESS_MAX_STEPS, type LinCheckOptions, type LinCheckResult, type LinPartitionResult } from './check.js';
export { explainViolation, prefixUntil, type LinWitness } from './witness.js';
export { formatLinWitness } from './format.js';
export { kvModel, describeKv, type KvInput, type KvOutput, type KvOperation, type KvState } from './kv.js';
export { parseKvHistory, kvHistoryFromJson, kvHistoryToJson, LincheckInputError } from './kv-history.js';
export { generateKvHistory, type KvHistoryOptions, type GeneratedKvHistory } from './generate.js';
