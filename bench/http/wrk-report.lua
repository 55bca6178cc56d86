-- wrk script for bench/http/loadgen.mjs: prints one JSON line with the exact figures
-- (wrk's latency histogram has microsecond resolution).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"wrk":true,"durationUs":%d,"requests":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"non2xx":%d,"meanUs":%.3f,"p50Us":%d,"p90Us":%d,"p99Us":%d,"p999Us":%d,"maxUs":%d}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
