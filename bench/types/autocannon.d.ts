/** The part of autocannon 9's API the benches use (the package ships no types). */
declare module 'autocannon' {
  interface Histogram {
    min: number
    max: number
    average: number
    stddev: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
  }
  interface Options {
    url: string
    connections?: number
    pipelining?: number
    duration?: number
    workers?: number
    requests?: Array<{ method?: string, path?: string, headers?: Record<string, string> }>
  }
  interface Result {
    requests: Histogram
    latency: Histogram
    throughput: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }
  function autocannon (options: Options): Promise<Result>
  export default autocannon
}
