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
    /// Gauge (Unix seconds): when the last audit of everything signed
    /// (every entry, column and hash tile against the signed root) passed.
    public static let transferLogAudited = "fb_transfer_log_audit_passed_timestamp_seconds"
    /// Gauge: entries the last passing audit covered.
    public static let transferLogAuditedEntries = "fb_transfer_log_audit_entries"
    /// Gauge, always 1. Labels: `version`, `swift`.
    public static let buildInfo = "fb_build_info"
    /// Gauge: entries in the transfer log (its newest signed tree size), read at each scrape.
    public static let transferLogEntries = "fb_transfer_log_entries"
    /// Gauge (Unix seconds). Labels: `key` (`signing`, `signing-next`, `encryption`).
    public static let certificateExpiry = "fb_certificate_not_after_timestamp_seconds"
    /// Gauge (Unix seconds). Labels: `partner` (entity ID). The last good metadata's `validUntil`.
    public static let metadataExpiry = "fb_partner_metadata_valid_until_timestamp_seconds"

    /// The `# HELP` text of each metric.
    public static let help: [String: String] = [
        httpRequests: "HTTP requests answered, by method, route pattern and status.",
        httpRequestDuration: "Time to answer an HTTP request, by method and route pattern.",
        piaVerdicts: "Privacy check results in verdicts, by check and pass or fail.",
        transfers: "Transfer log decisions, by recipient and decision.",
        operationDuration: "Time taken by internal operations (iAM Smart calls, store sweeps, whole flows).",
        sweptRecords: "Expired state records removed, by kind.",
        transferLogConsistent: "1 while the stored transfer log extends the newest checkpoint this bridge signed; 0 means every transfer is refused.",
        witnessLagSeconds: "Seconds the newest checkpoint has waited for this witness's cosignature.",
        witnessLagEntries: "Entries appended since the newest checkpoint this witness cosigned.",
        transferLogAudited:
            "When the last audit of the whole signed transfer log passed, as a Unix time; alert when it is older than two audit intervals.",
        transferLogAuditedEntries: "Entries the last passing audit of the transfer log covered.",
        buildInfo: "Build of the running bridge; always 1.",
        transferLogEntries: "Entries in the transfer log (newest signed tree size).",
        certificateExpiry: "When this bridge certificate expires, as a Unix time; alert well before it.",
        metadataExpiry: "When a partner's metadata stops being usable (validUntil), as a Unix time.",
    ]
}
