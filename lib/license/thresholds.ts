/**
 * The numbers the watcher pages on. infra/license-alarms.yml repeats them as alarm
 * thresholds; test/license/alarms.test.ts holds the two to the same values, so the
 * CLI, the Lambda's message and the CloudWatch alarms always agree.
 */

/** Deepgram's guidance: warn when a proxy has been TrustBased for a significant time, an hour for example. */
export const TRUST_BASED_PAGE_AFTER_SECONDS = 3600;

/** Past trust_expiration the deployment stops serving; a day leaves on-call time to act. */
export const TRUST_EXPIRATION_PAGE_WITHIN_SECONDS = 86_400;

/** Consecutive minutes without a usable answer before the unreachable alarm pages. */
export const UNREACHABLE_PAGE_AFTER_MINUTES = 3;

/** Consecutive minutes with no proxy answering before the all-down alarm pages. */
export const ALL_DOWN_PAGE_AFTER_MINUTES = 2;

/** Consecutive minutes without a heartbeat before the watcher-silent alarm pages. */
export const SILENT_PAGE_AFTER_MINUTES = 3;

/**
 * A proxy's clock may run a little ahead of Lambda's; a last_successful_checkin further
 * ahead than this is not skew but a broken answer, and would hide TrustBased time.
 */
export const CLOCK_SKEW_ALLOWANCE_SECONDS = 120;

/** Deepgram recommends polling once a minute; the EventBridge schedule matches. */
export const POLL_INTERVAL_SECONDS = 60;
