//! `tilaus bench` keeps working: a tiny run of every workload on SQLite, checking the shape of
//! its JSON reports (figures are for the benchmark command itself, never asserted here).

use std::process::Command;

#[test]
fn bench_reports_every_workload_as_json() {
    let output = Command::new(env!("CARGO_BIN_EXE_tilaus"))
        .args([
            "bench",
            "all",
            "--clients",
            "2",
            "--orders",
            "30",
            "--queries",
            "20",
            "--json",
        ])
        .env_remove("TILAUS_BENCH_DATABASE_URL")
        .output()
        .expect("run tilaus bench");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reports: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let workloads: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["workload"].as_str())
        .collect();
    assert_eq!(
        workloads,
        [
            "memory",
            "ingest",
            "ingest_raw",
            "live",
            "list",
            "list_deep",
            "list_admin_page",
            "export_csv",
            "export_xlsx"
        ]
    );
    for report in &reports {
        for field in [
            "backend",
            "clients",
            "count",
            "seconds",
            "per_second",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "max_rss_mib",
        ] {
            assert!(report.get(field).is_some(), "{field} missing in {report}");
        }
        assert_eq!(report["backend"], "sqlite");
    }
    assert_eq!(reports[1]["count"], 30, "every ingest request succeeded");
    assert!(reports[1]["ratio_to_raw"].as_f64().is_some_and(|r| r > 0.0));
    assert!(reports[0]["idle_rss_mib"].as_f64().is_some_and(|r| r > 0.0));
    assert_eq!(
        reports[3]["count"],
        30 * 100,
        "every order reached all 100 live listeners"
    );
    assert!(reports[7]["bytes"].as_u64().is_some_and(|b| b > 0));
}
