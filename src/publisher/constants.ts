/** A publish waits for DHT peers at most this long. */
export const PUBLISH_TIMEOUT_MS = 60_000
/** A publish that reached too few of the closest peers is tried again, up to three times, after about 5 s, 10 s, 20 s. */
export const LOW_COVERAGE_RETRY_MS = 5_000
export const LOW_COVERAGE_RETRIES = 3
