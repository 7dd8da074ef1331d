import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'

/** The repository, from dist/test/api/. */
const root = fileURLToPath(new URL('../../../', import.meta.url))

/** `ERR_…` strings in src/api that are not codes the API answers with. */
const NOT_ANSWERED = new Map([
  ['ERR_API_TOKEN', 'an unusable api.token: the daemon refuses to start (token.ts)'],
  ['ERR_API_TOKEN_UNSAFE', 'an api.token others can read: the daemon refuses to start (token.ts)'],
  ['ERR_HTTP_REQUEST_TIMEOUT', 'Node\'s socket error code, answered as ERR_REQUEST_TIMEOUT']
])

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The codes docs/api.md's "Errors" table names: `ERR_X`, and families such as `ERR_EVIDENCE_*`. */
function documentedCodes (): { codes: Set<string>, families: string[] } {
  const doc = readFileSync(join(root, 'docs/api.md'), 'utf8')
  const section = doc.slice(doc.indexOf('\n## Errors'))
  const rows = section.split('\n').filter(line => /^\| \d{3} \|/.test(line))
  const names = rows.flatMap(row => [...row.matchAll(/`(ERR_[A-Z0-9_]*\*?)`/g)].map(m => m[1]))
  return {
    codes: new Set(names.filter(n => !n.endsWith('*'))),
    families: names.filter(n => n.endsWith('*')).map(n => n.slice(0, -1))
  }
}

describe('docs/api.md lists every error code the API answers with', () => {
  test('each ERR_ code in src/api is in the Errors table', () => {
    const files = sourceFiles(join(root, 'src/api'))
    assert.ok(files.length > 10, 'src/api was read')
    const used = new Set(files.flatMap(file => [...readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)].map(m => m[1])))
    const { codes, families } = documentedCodes()
    assert.ok(codes.size > 20, 'the Errors table was read')
    const missing = [...used].filter(code => !NOT_ANSWERED.has(code) && !codes.has(code) && !families.some(f => code.startsWith(f)))
    assert.deepEqual(missing.sort(), [], 'codes the API answers with that docs/api.md\'s Errors table does not list')
    for (const code of ['ERR_METHOD_NOT_ALLOWED', 'ERR_UNSUPPORTED_MEDIA_TYPE', 'ERR_BODY_TOO_LARGE']) assert.ok(codes.has(code), code)
  })
})
