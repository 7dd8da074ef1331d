import { ResolveError } from '../errors.js'

/** `promise`, or ERR_ABORTED as soon as `signal` aborts: a caller stops waiting for a lookup others may share. */
export async function abortable<T> (promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal == null) return await promise
  if (signal.aborted) throw new ResolveError('ERR_ABORTED', 'resolve was aborted')
  return await new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new ResolveError('ERR_ABORTED', 'resolve was aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
