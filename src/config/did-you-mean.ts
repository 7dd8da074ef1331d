/**
 * The known name a mistyped one most likely meant: the same letters but
 * for case and underscores (KEYDIR_LOGLEVEL, loglevel), or at most two
 * edits away (KEYDIR_LOG_LEVL). Undefined when none is that close, or two
 * are equally close.
 */
export function didYouMean (name: string, known: Iterable<string>): string | undefined {
  const plain = (s: string): string => s.replaceAll('_', '').toLowerCase()
  let best: string | undefined
  let bestDistance = 3
  let tied = false
  for (const candidate of known) {
    const distance = plain(candidate) === plain(name) ? 0 : editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
      tied = false
    } else if (distance === bestDistance) {
      tied = true
    }
  }
  return tied ? undefined : best
}

/** Levenshtein distance, for short names. */
function editDistance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}
