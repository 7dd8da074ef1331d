/**
 * All benches, or the ones named: `npm run bench [-- <name>...] [--quick]`.
 * Names: crypto, record, registry, large-registry, lifecycle, api, network (writes network and memory),
 * memory (start-up and memory only), hostile (first contact in a DHT a fifth hostile), use-keys (seal, sign,
 * sessions and streams against what they are made of), hosts (the network over K network namespaces with a
 * round trip and loss between them; root only, never part of a run of all), scale-model (docs/scale.md's
 * predictions; computes, measures nothing; `--compare FILE` checks them against a network bench's JSON).
 * Network options pass through: `--nodes 10,30`, `--procs 2`, `--kinds keydir,ipns` (hostile takes `--nodes`;
 * hosts also `--hosts`, `--rtt`, `--loss`, `--nodes-per-proc`, `--join-rate`, `--publish-concurrency`, `--resolves`, `--deadline-min`:
 * see bench/hosts.ts).
 * Each bench prints its tables, writes bench/results/<name>.json and .svg;
 * at the end the latest full run's part of docs/benchmarks.md is rebuilt from bench/results/full/.
 */
import { runApiBench } from './api.js'
import { runCryptoReport } from './crypto.js'
import { parseHostileArgs, runHostileBench } from './hostile.js'
import { parseHostsArgs, runHostsBench } from './hosts.js'
import { runLargeRegistryBench } from './large-registry.js'
import { runLifecycleBench } from './lifecycle.js'
import { writeResultsMarkdown } from './lib/results-md.js'
import { parseNetworkArgs, runNetworkBench } from './network.js'
import { runRecordBench } from './record.js'
import { runRegistryBench } from './registry.js'
import { parseScaleModelArgs, runScaleModel } from './scale-model.js'
import { runUseKeysBench } from './use-keys.js'

type Runner = (argv: string[], quick: boolean) => Promise<unknown>

const BENCHES: Record<string, Runner> = {
  crypto: async (_argv, quick) => runCryptoReport({ quick }),
  record: async (_argv, quick) => runRecordBench({ quick }),
  registry: async (_argv, quick) => runRegistryBench({ quick }),
  'large-registry': async (_argv, quick) => runLargeRegistryBench({ quick }),
  lifecycle: async (_argv, quick) => runLifecycleBench({ quick }),
  api: async (_argv, quick) => runApiBench({ quick }),
  network: async (argv) => runNetworkBench(parseNetworkArgs(argv)),
  memory: async (argv) => runNetworkBench({ ...parseNetworkArgs(argv), resolves: false }),
  hostile: async (argv) => runHostileBench(parseHostileArgs(argv)),
  hosts: async (argv) => runHostsBench(parseHostsArgs(argv)),
  'use-keys': async (_argv, quick) => runUseKeysBench({ quick }),
  'scale-model': async (argv) => runScaleModel(parseScaleModelArgs(argv))
}
/** What `npm run bench` runs with no name: network also writes the memory results. */
const ALL = ['crypto', 'record', 'registry', 'large-registry', 'lifecycle', 'api', 'use-keys', 'network', 'hostile']

/** Options that take a value (`--nodes 10,30` or `--nodes=10,30`), and those that do not. */
const VALUE_OPTIONS = ['--nodes', '--procs', '--kinds', '--profile-dir', '--hosts', '--rtt', '--loss', '--nodes-per-proc', '--join-rate', '--publish-concurrency', '--resolves', '--deadline-min', '--compare', '--rtt-ms', '--compare-rtt-ms', '--k', '--prefix-length', '--alpha', '--paths', '--quorum', '--record-bytes', '--out']
const FLAG_OPTIONS = ['--quick', '--merge', '--memory-only', '--help', '-h']
const USAGE = `usage: npm run bench [-- <name>...] [--quick] [options]
names: ${Object.keys(BENCHES).join(', ')} (none: ${ALL.join(', ')}; hosts and scale-model only by name)
network, memory: --nodes 10,30  --procs 2  --kinds keydir,ipns  --memory-only  --profile-dir DIR
hostile: --nodes 30,60
hosts (root; ip and iptables): --hosts 4  --nodes 100,300  --rtt 20 (ms)  --loss 0.1 (%)  --nodes-per-proc 50
  --join-rate N  --publish-concurrency 4  --resolves N  --deadline-min MIN  --kinds keydir,ipns  --merge
scale-model: --compare FILE (again for each file)  --compare-rtt-ms MS  --rtt MS  --k 20  --prefix-length N  --alpha N  --paths N
  --quorum N  --record-bytes N  --out FILE
docs/benchmarks.md says what each bench measures; bench/hosts.ts and bench/scale-model.ts say more of theirs.`

const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  console.log(USAGE)
  process.exit(0)
}
const optionName = (arg: string): string => arg.split('=')[0]
const unknownOptions = argv.filter((arg, i) => arg.startsWith('-') && !VALUE_OPTIONS.includes(argv[i - 1] ?? '') &&
  ![...VALUE_OPTIONS, ...FLAG_OPTIONS].includes(optionName(arg)))
if (unknownOptions.length > 0) {
  console.error(`unknown option ${unknownOptions.join(', ')}\n\n${USAGE}`)
  process.exit(2)
}
const quick = argv.includes('--quick')
// Values of options that take one (--nodes 10,30) are not bench names.
const names = argv.filter((arg, i) => !arg.startsWith('-') && !VALUE_OPTIONS.includes(argv[i - 1] ?? ''))
const unknown = names.filter(name => BENCHES[name] === undefined)
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}: choose from ${Object.keys(BENCHES).join(', ')}`)
  process.exit(2)
}

const started = performance.now()
for (const name of names.length === 0 ? ALL : names) {
  const benchStart = performance.now()
  console.log(`\n## ${name}${quick ? ' (quick)' : ''}\n`)
  await BENCHES[name](argv, quick)
  console.log(`\n${name} took ${((performance.now() - benchStart) / 1000).toFixed(1)} s`)
}
const path = await writeResultsMarkdown()
console.log(`\nall done in ${((performance.now() - started) / 1000).toFixed(1)} s; wrote ${path}`)
