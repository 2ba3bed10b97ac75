/// Every metric the bridge exports, named in one place so dashboards and
/// code cannot drift apart. Prometheus names; labels listed per metric.
public enum MetricNames {
    /// Counter. Labels: `method`, `route` (the route pattern, never the raw path), `status`.
    public static let httpRequests = "fb_http_requests_total"
    /// Histogram (seconds). Labels: `method`, `route`.
    public static let httpRequestDuration = "fb_http_request_duration_seconds"
    /// Counter. Labels: `check`, `result` (`pass` or `fail`).
    public static let piaVerdicts = "fb_pia_check_results_total"
    /// Counter. Labels: `recipient` (entity ID), `decision` (`transfer`, `refused`, `declined`).
    public static let transfers = "fb_transfers_total"
    /// Histogram (seconds). Labels: `operation` (e.g. `iamsmart.getToken`, `flow.total`, `store.sweep`).
    public static let operationDuration = "fb_operation_duration_seconds"
    /// Counter. Labels: `kind` (`flows`, `replay`, `artifacts`).
    public static let sweptRecords = "fb_state_swept_total"
    /// Gauge: 1 while the stored transfer log extends the newest checkpoint
    /// the bridge signed, 0 once it does not (every transfer is refused).
    public static let transferLogConsistent = "fb_transfer_log_consistent"
    /// Gauge (seconds). Labels: `witness`. How long the newest checkpoint has
    /// waited for this witness's cosignature; 0 when it has it.
    public static let witnessLagSeconds = "fb_transfer_log_witness_lag_seconds"
    /// Gauge. Labels: `witness`. Entries appended since the newest checkpoint
    /// this witness cosigned.
    public static let witnessLagEntries = "fb_transfer_log_witness_lag_entries"
}
