/**
 * At most `limit` items taken from the queues in turn: the first of each,
 * then the second of each, and so on (a queue that runs out is passed
 * over), so that no one queue fills the list before the others are heard.
 */
export function takeInTurn<T> (queues: T[][], limit: number): T[] {
  const taken: T[] = []
  for (let i = 0; taken.length < limit && queues.some(queue => i < queue.length); i++) {
    for (const queue of queues) if (i < queue.length && taken.length < limit) taken.push(queue[i])
  }
  return taken
}
