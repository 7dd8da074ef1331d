/**
 * Content negotiation, the small part of RFC 9110 that keydir needs: pick the
 * supported media type with the highest `q` in an Accept header (an exact
 * type before a wildcard, then the earlier in the header on ties). No header,
 * or `*\/*`, means the first supported type. Returns undefined when the header accepts none of them.
 */
export function negotiate<T extends string> (accept: string | undefined, supported: readonly [T, ...T[]]): T | undefined {
  if (accept === undefined || accept.trim() === '') return supported[0]
  let best: { type: T, q: number, specificity: number } | undefined
  for (const part of accept.split(',').slice(0, 32)) {
    const [range = '', ...params] = part.split(';').map(s => s.trim().toLowerCase())
    let q = 1
    for (const param of params) {
      const [name, value] = param.split('=').map(s => s.trim())
      if (name === 'q') {
        const parsed = Number(value)
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0
      }
    }
    if (q === 0) continue
    for (const type of supported) {
      const specificity = matches(range, type)
      if (specificity < 0) continue
      if (best === undefined || q > best.q || (q === best.q && specificity > best.specificity)) {
        best = { type, q, specificity }
      }
      break
    }
  }
  return best?.type
}

/** 2 exact, 1 `type/*`, 0 `*\/*`, -1 no match. */
function matches (range: string, type: string): number {
  if (range === type) return 2
  if (range === '*/*') return 0
  if (range.endsWith('/*') && type.startsWith(range.slice(0, -1))) return 1
  return -1
}
