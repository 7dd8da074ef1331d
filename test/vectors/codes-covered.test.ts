/**
 * Every error code the wire-format pages name has an invalid vector that
 * expects it, or a row in docs/vectors.md's "Codes without a vector"
 * saying why no static message can produce it. A new code in the docs
 * without either fails here; so does a row for a code that has a vector
 * after all, or that the pages no longer name.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
/** The pages that specify messages a receiver checks. */
const WIRE_PAGES = ['record-format.md', 'exchange.md', 'envelope.md', 'session.md', 'signatures.md']

/** Every `ERR_…` written as code on the page. */
function codesIn (markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/`(ERR_[A-Z0-9_]*[A-Z0-9])`/g)].map(m => m[1]))
}

/** The codes a vector expects: the `error` or `result` of a named case (state inputs such as a directory's refusal have no name). */
function expectedCodes (value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) expectedCodes(item, into)
  } else if (value !== null && typeof value === 'object') {
    const entry = value as Record<string, unknown>
    for (const key of ['error', 'result']) {
      const code = entry[key]
      if (typeof entry.name === 'string' && typeof code === 'string' && code.startsWith('ERR_')) into.add(code)
    }
    for (const inner of Object.values(entry)) expectedCodes(inner, into)
  }
  return into
}

/** The first column of docs/vectors.md's "Codes without a vector" table. */
function exemptCodes (vectorsPage: string): Set<string> {
  const section = vectorsPage.split('## Codes without a vector')[1] ?? ''
  const rows = section.split('\n').filter(line => line.startsWith('| `ERR_'))
  return new Set(rows.flatMap(row => [...codesIn(row.split('|')[1])]))
}

describe('every documented error code has a vector', () => {
  it('or a documented reason why it cannot', async () => {
    const named = new Set<string>()
    for (const page of WIRE_PAGES) for (const code of codesIn(await readFile(join(root, 'docs', page), 'utf8'))) named.add(code)
    const covered = new Set<string>()
    const dir = join(root, 'test/vectors')
    for (const file of (await readdir(dir)).filter(name => name.endsWith('.json'))) {
      expectedCodes(JSON.parse(await readFile(join(dir, file), 'utf8')), covered)
    }
    const exempt = exemptCodes(await readFile(join(root, 'docs/vectors.md'), 'utf8'))
    assert.ok(named.size > 50 && covered.size > 50 && exempt.size > 10, 'the pages, the vectors and the table were all read')

    assert.deepEqual([...named].filter(code => !covered.has(code) && !exempt.has(code)).sort(), [],
      'codes the docs name with no vector: add an invalid vector, or a row to docs/vectors.md "Codes without a vector" saying why none can exist')
    assert.deepEqual([...exempt].filter(code => covered.has(code)).sort(), [], 'codes docs/vectors.md says have no vector, which have one: remove their row')
    assert.deepEqual([...exempt].filter(code => !named.has(code)).sort(), [], 'rows in docs/vectors.md for codes the wire-format pages no longer name')
  })
})
