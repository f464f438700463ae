/**
 * What an Engine answers on :9991/metrics, two scrapes a minute apart: the four series
 * the controller reads, plus the kinds of series Engine also exports (a histogram,
 * process and runtime metrics) that must never reach CloudWatch.
 */
export const engineScrape = (requests: { stream101: number; batch200: number; batch503: number }): string => `# HELP engine_active_requests Requests currently being processed.
# TYPE engine_active_requests gauge
engine_active_requests{kind="batch"} 2
engine_active_requests{kind="stream"} 37
engine_active_requests{kind="tts"} 0
# HELP engine_estimated_stream_capacity Streams this Engine estimates it can serve at acceptable latency.
# TYPE engine_estimated_stream_capacity gauge
engine_estimated_stream_capacity 120
# HELP engine_max_active_requests Configured request limit (0 = no limit).
# TYPE engine_max_active_requests gauge
engine_max_active_requests 0
# HELP engine_requests_total Requests handled, by kind and response status.
# TYPE engine_requests_total counter
engine_requests_total{kind="stream",response_status="101"} ${requests.stream101}
engine_requests_total{kind="batch",response_status="200"} ${requests.batch200}
engine_requests_total{kind="batch",response_status="503"} ${requests.batch503}
# HELP engine_request_duration_seconds Request duration.
# TYPE engine_request_duration_seconds histogram
engine_request_duration_seconds_bucket{kind="batch",le="1"} 700
engine_request_duration_seconds_bucket{kind="batch",le="+Inf"} 843
engine_request_duration_seconds_sum{kind="batch"} 512.5
engine_request_duration_seconds_count{kind="batch"} 843
# HELP engine_gpu_memory_used_bytes GPU memory in use.
# TYPE engine_gpu_memory_used_bytes gauge
engine_gpu_memory_used_bytes{gpu="0"} 1.2884901888e+10
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 4.294967296e+09
`;

export const FIRST_SCRAPE = { stream101: 1500, batch200: 840, batch503: 3 };
/** A minute later: 12 streams, 30 batch answers, 2 rejections more. */
export const SECOND_SCRAPE = { stream101: 1512, batch200: 870, batch503: 5 };
