import { checkQuery } from '../query.js'
import type { ActivityJson } from '../json.js'
import type { RouteContext } from './context.js'
import type { FastifyInstance } from 'fastify'
import type { Counter } from 'prom-client'

/**
 * `GET /v1/activity`: lookups and key exchanges counted since the node
 * started, with the time they were read, so a client (the status page)
 * computes rates without parsing the Prometheus text of /metrics.
 */
export function registerActivityRoute (app: FastifyInstance, ctx: RouteContext): void {
  app.get('/v1/activity', async (request): Promise<ActivityJson> => {
    checkQuery(request.query, [])
    const { registryLookups, keyExchanges } = ctx.node.metrics
    const exchanges = async (role: string): Promise<{ success: number, failure: number }> => ({
      success: await count(keyExchanges, { result: 'success', role }),
      failure: await count(keyExchanges, { result: 'failure', role })
    })
    return {
      at: Date.now(),
      lookups: { hit: await count(registryLookups, { result: 'hit' }), miss: await count(registryLookups, { result: 'miss' }) },
      exchanges: { requester: await exchanges('requester'), responder: await exchanges('responder') }
    }
  })
}

/** The sum of a counter's series that carry these labels. */
async function count<T extends string> (counter: Counter<T>, labels: Partial<Record<T, string>>): Promise<number> {
  const { values } = await counter.get()
  let sum = 0
  for (const value of values) {
    if (Object.entries(labels).every(([name, want]) => value.labels[name as T] === want)) sum += value.value
  }
  return sum
}
