//! One result per workload, as JSON or as a table row.

use crate::stats::Latencies;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub workload: String,
    pub backend: String,
    pub clients: usize,
    pub count: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// The server's peak resident memory during the workload.
    pub max_rss_mib: f64,
    /// Workload-specific figures (e.g. `ratio_to_raw`, `idle_rss_mib`, `bytes`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    pub(crate) fn new(
        workload: &str,
        backend: &str,
        clients: usize,
        seconds: f64,
        mut latencies: Latencies,
        max_rss_mib: f64,
    ) -> Report {
        let count = latencies.len();
        Report {
            workload: workload.into(),
            backend: backend.into(),
            clients,
            count,
            seconds,
            per_second: count as f64 / seconds.max(f64::EPSILON),
            p50_ms: latencies.percentile(50.0),
            p95_ms: latencies.percentile(95.0),
            p99_ms: latencies.percentile(99.0),
            max_rss_mib,
            extra: serde_json::Map::new(),
        }
    }

    pub(crate) fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Report {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The header of [`Report::table_row`].
    pub fn table_header() -> String {
        format!(
            "{:<14} {:<9} {:>7} {:>8} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8}  extra",
            "workload",
            "backend",
            "clients",
            "count",
            "seconds",
            "per_second",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "rss_mib"
        )
    }

    pub fn table_row(&self) -> String {
        let extra: Vec<String> = self.extra.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!(
            "{:<14} {:<9} {:>7} {:>8} {:>9.2} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>8.1}  {}",
            self.workload,
            self.backend,
            self.clients,
            self.count,
            self.seconds,
            self.per_second,
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_rss_mib,
            extra.join(" ")
        )
    }
}
