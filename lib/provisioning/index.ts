export { createProvisioningClient } from './client.js';
export type { ProvisioningClient, ProvisioningClientOptions, UploadResult } from './client.js';
export { azureCredentialFactories, createTokenProvider, GRAPH_SCOPE } from './credential.js';
export type { CredentialFactories, GraphToken, SecretReader, TokenProvider } from './credential.js';
export {
  AuthError,
  BucketFullError,
  InvalidRequestError,
  NotFoundError,
  ProvisioningError,
  ThrottledError,
  TransientError,
  UnreachableError,
} from './errors.js';
export type { GraphErrorDetails, GraphOperation, ProvisioningErrorKind } from './errors.js';
export { errorFromNetworkFailure, errorFromResponse, parseRetryAfter, REQUIRED_PERMISSIONS, unreachableError } from './classify-response.js';
export type { Endpoint } from './classify-response.js';
export { classifyFailure } from './classify-failure.js';
export type { FailureCategory, FailureClassification } from './classify-failure.js';
export type { FetchLike } from './graph-http.js';
export { PROVISIONING_STATUSES } from './log-entry.js';
export type { ProvisioningLogEntry, ProvisioningStatus, ProvisioningStep } from './log-entry.js';
export { pageProvisioningLogs, provisioningLogsUrl } from './logs.js';
export type { PageFetcher, ProvisioningLogQuery } from './logs.js';
export { outcomeOf, summarizeOutcomes, summarizeOutcomesAsync } from './outcomes.js';
export type { RecordOutcome } from './outcomes.js';
export { defaultSafetyMarginMs, RateLimiter } from './rate-limiter.js';
export type { RateLimiterOptions } from './rate-limiter.js';
export { backoffDelayMs, DEFAULT_RETRY_POLICY, withRetry } from './retry.js';
export type { RetryDeps, RetryPolicy } from './retry.js';
