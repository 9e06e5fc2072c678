//! The overhead run's cases with limits set on the access key (limits per access key, issue
//! 21): a second server of this build, whose requests' key carries limits no run reaches, so
//! each request is counted against them; compared with the same build's plain cases measured in
//! the same rounds.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde_json::{Value, json};

use super::{Case, Figures, Kind, comparison_table, find};
use crate::bench::process::Service;
use crate::bench::targets::SwitchSetup;

/// Serves `config` from this build with the requests' access key (`BENCH_ACCESS_KEY`) carrying limits no
/// run reaches, and adds a copy of each pass-through case sent to it: every request is counted
/// against the key's minute and its tokens and spend added to its day and month.
pub(super) fn add_cases(
    cases: &mut Vec<Case>,
    binary: &Path,
    work: &Path,
    config: &Value,
) -> Result<Service> {
    let mut config = config.clone();
    config["access_keys"] = json!([{"name": "bench", "key": super::BENCH_ACCESS_KEY, "limits": {
        "requests_per_minute": 1_000_000_000u32, "tokens_per_day": 1_000_000_000_000u64,
        "usd_per_day": 1e9, "usd_per_month": 1e9}}]);
    let setup = SwitchSetup {
        binary,
        work,
        label: "overhead-limited",
    };
    setup.import(&config)?;
    let (service, addr, _) = setup.serve()?;
    let copies: Vec<Case> = cases
        .iter()
        .filter(|c| !c.baseline && c.kind == Kind::PassThrough)
        .map(|c| Case {
            name: format!("{}, limits set on the key", c.name),
            limited: true,
            addr,
            pid: service.pid(),
            ..c.clone()
        })
        .collect();
    cases.extend(copies);
    Ok(service)
}

/// The pass-through cases with limits set on the key against the same cases without.
pub(super) fn table(md: &mut String, cases: &[Case], figures: &[Figures]) -> Result<()> {
    let rows: Vec<(&Case, &Figures, &Figures)> = cases
        .iter()
        .zip(figures)
        .filter(|(c, _)| c.limited)
        .filter_map(|(c, limited)| Some((c, limited, find(cases, figures, c.kind, c.size)?)))
        .collect();
    comparison_table(
        md,
        "With limits set on the access key against the same build without, in the same rounds:",
        ["limits set", "no limits"],
        &rows,
    )
}

/// The goal: pass-through CPU per request with limits set within 5% of the same without.
pub(super) fn goals(md: &mut String, cases: &[Case], figures: &[Figures]) -> Result<()> {
    let find = |kind: Kind, size: &str| find(cases, figures, kind, size);
    let mark = |met: bool| if met { "yes" } else { "**no**" };
    for (case, limited) in cases.iter().zip(figures).filter(|(c, _)| c.limited) {
        let Some(plain) = find(case.kind, case.size) else {
            continue;
        };
        let change = limited.cpu_us_per_request / plain.cpu_us_per_request.max(0.001) - 1.0;
        writeln!(
            md,
            "| {}: CPU per request | within 5% of no limits | {:+.1}% ({:.0} vs {:.0} µs) | {} |",
            case.name,
            change * 100.0,
            limited.cpu_us_per_request,
            plain.cpu_us_per_request,
            mark(change <= 0.05)
        )?;
    }
    Ok(())
}
