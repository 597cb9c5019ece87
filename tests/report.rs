//! `gongbao report annual`: part two of the annual report, computed from the records as they
//! stood at the end of the year, with the report form's consistency check.

mod common;

use common::{Site, run_in};

fn demo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for part in ["content", "gongbao.toml"] {
        let from = common::project().join(part);
        if from.is_dir() {
            common::copy_tree(&from, &tmp.path().join(part));
        } else {
            std::fs::copy(&from, tmp.path().join(part)).unwrap();
        }
    }
    tmp
}

fn csv_row(dir: &std::path::Path, y: i32, content: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(format!("annual-reports/annual-report-{y}.csv"))).unwrap();
    let line = text.lines().find(|l| l.split(',').nth(1) == Some(content)).unwrap_or_else(|| panic!("{text}"));
    line.split(',').map(str::to_string).collect()
}

#[test]
fn the_figures_of_a_year_and_their_check() {
    let d = demo();
    let o = run_in(d.path(), &["report", "annual", "--year", "2022"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("核对一致"));
    // 2022: one normative document issued and one repealed; three of each kind in force.
    assert_eq!(csv_row(d.path(), 2022, "行政规范性文件")[2..], ["1", "1", "3", "3", "true"]);
    assert_eq!(csv_row(d.path(), 2022, "规章")[2..], ["0", "0", "3", "3", "true"]);
    for ext in ["md", "html"] {
        let text = std::fs::read_to_string(d.path().join(format!("annual-reports/annual-report-2022.{ext}"))).unwrap();
        assert!(
            text.contains("青川市人民政府2022年政府信息公开工作年度报告") && text.contains("行政规范性文件"),
            "{text}"
        );
    }
    // 2024: a rule issued in 2023 took effect in 2024, so the identity does not hold, and the
    // report says why instead of hiding it.
    let o = run_in(d.path(), &["report", "annual", "--year", "2024"]);
    assert!(o.status.success());
    let md = std::fs::read_to_string(d.path().join("annual-reports/annual-report-2024.md")).unwrap();
    assert!(md.contains("以前制发、本年起施行 1 件"), "{md}");
    assert_eq!(csv_row(d.path(), 2024, "规章").last().unwrap(), "false");
}

#[test]
fn an_amended_document_is_still_in_force_in_the_figures() {
    let s = Site::new();
    s.record("a", &common::normative("甲办法", "2023-01-05"), "第一条 甲。\n");
    s.record(
        "m",
        &format!(
            "{}\namends: [{{id: a, effective: 2024-04-01}}]",
            common::normative("关于修改甲办法的决定", "2024-03-01")
        ),
        "一、将第一条修改为……\n",
    );
    let o = run_in(s.root(), &["report", "annual", "--year", "2024"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Issued: the decision; ended: none; in force at the end of the year: the amended document
    // (in force as amended) and the decision; last year: the document.
    assert_eq!(csv_row(s.root(), 2024, "行政规范性文件")[2..], ["1", "0", "2", "1", "true"]);
}

#[test]
fn a_site_with_errors_gets_no_report() {
    let s = Site::new();
    s.record("a", "kind: normative\ntitle: 甲\npublished: 2024-13-01", "x\n");
    let o = run_in(s.root(), &["report", "annual", "--year", "2024"]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!s.root().join("annual-reports").exists());
    let o = run_in(s.root(), &["report", "annual", "--year", "20240"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Counted as of the year's last day, a year not over would count documents scheduled for days
/// to come: no report is made for it.
#[test]
fn no_report_for_a_year_not_over() {
    let s = common::Site::new();
    s.record("a", &common::normative("甲办法", "2024-01-05"), "第一条 甲。\n");
    let o = run_in(s.root(), &["report", "annual", "--year", "9998"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("还没有结束"), "{err}");
    assert!(!s.root().join("annual-reports").exists());
}
