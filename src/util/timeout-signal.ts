/**
 * AbortSignal.timeout, aborted with the caller's reason rather than a bare
 * TimeoutError: a typed error that says what took too long and what to do.
 */
export function timeoutSignal (ms: number, reason: () => Error): AbortSignal {
  const controller = new AbortController()
  // Like AbortSignal.timeout's own timer, it must not keep a process alive that has nothing else to do.
  setTimeout(() => { controller.abort(reason()) }, ms).unref()
  return controller.signal
}
