//! A failure of the tool (settings, output folder, theme, keys, port) is printed once, as a
//! finding of its tool rule, in the site's language — Chinese when the settings cannot be read —
//! and ends the command with its exit code.

mod common;
use common::{Site, bin, normative};
use std::process::{Command, Output};

/// An English site with one valid record.
fn english_site() -> Site {
    let s = Site::new();
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\nlanguage = \"en\"\n"));
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    s
}

fn settings(s: &Site) -> String {
    std::fs::read_to_string(s.root().join("gongbao.toml")).unwrap()
}

fn run(s: &Site, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut c = Command::new(bin());
    c.current_dir(s.root()).args(args).env("CI", "true").env_remove("GONGBAO_SECRET_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    let Output { status, stderr, .. } = c.output().unwrap();
    (status.code().unwrap_or(-1), String::from_utf8_lossy(&stderr).into_owned())
}

/// The failure printed in `stderr` is one finding of `rule`, in English, and nothing else is.
fn once_in_english(stderr: &str, rule: &str) {
    let head = format!("error[{rule}]: ");
    assert_eq!(stderr.matches(&head).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    assert!(stderr.contains("  = help: "), "{stderr}");
    assert!(!stderr.contains("错误") && !stderr.contains("提示"), "{stderr}");
}

#[test]
fn a_bad_signing_key_is_one_english_finding_and_exit_2() {
    let s = english_site();
    let (code, err) = run(&s, &["build"], &[("GONGBAO_SECRET_KEY", "not a key")]);
    assert_eq!(code, 2, "{err}");
    once_in_english(&err, "signing-key");
    assert!(!s.root().join("public").exists(), "nothing was published");
    s.write("gongbao.toml", &format!("{}\n[signing]\nsecret_key = \"keys/none.key\"\n", settings(&s)));
    let (code, err) = run(&s, &["build"], &[]);
    assert_eq!(code, 2, "{err}");
    once_in_english(&err, "signing-key");
    assert!(err.contains("keys/none.key"), "{err}");
}

#[test]
fn a_missing_theme_is_one_english_finding_and_exit_1() {
    let s = english_site();
    s.write("gongbao.toml", &settings(&s).replace("[site]\n", "[site]\ntheme = \"nosuch\"\n"));
    let (code, err) = run(&s, &["build"], &[]);
    assert_eq!(code, 1, "{err}");
    once_in_english(&err, "theme");
}

#[test]
fn an_output_folder_that_would_delete_the_site_is_refused_in_english() {
    let s = english_site();
    let (code, err) = run(&s, &["build", "--out", "."], &[]);
    assert_eq!(code, 2, "{err}");
    once_in_english(&err, "io");
}

#[test]
fn settings_that_parse_tell_their_own_errors_in_the_sites_language() {
    let s = english_site();
    s.write("gongbao.toml", &format!("{}\n[rules]\nyaml = \"off\"\n", settings(&s)));
    let (code, err) = run(&s, &["check"], &[]);
    assert_eq!(code, 1, "{err}");
    once_in_english(&err, "config");
    let (code, json) = {
        let o = Command::new(bin()).current_dir(s.root()).args(["check", "--format", "json"]).output().unwrap();
        (o.status.code(), serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap())
    };
    assert_eq!(code, Some(1));
    assert_eq!(json["diagnostics"][0]["rule"], "config");
    assert!(json["diagnostics"][0]["message"].as_str().unwrap().contains("cannot be relaxed"), "{json}");
}

#[test]
fn without_readable_settings_the_failure_is_in_chinese() {
    let s = Site::new();
    std::fs::remove_file(s.root().join("gongbao.toml")).unwrap();
    for args in [&["check"][..], &["build"]] {
        let (code, err) = run(&s, args, &[]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.matches("错误[config]: ").count(), 1, "{err}");
        assert!(err.contains("  = 提示: "), "{err}");
    }
}

#[test]
fn keygen_verify_and_serve_failures_follow_the_site_too() {
    let s = english_site();
    assert_eq!(run(&s, &["keygen", "--out", "keys"], &[]).0, 0);
    let (code, err) = run(&s, &["keygen", "--out", "keys"], &[]);
    assert_eq!(code, 1, "{err}");
    once_in_english(&err, "io");
    let (code, err) = run(&s, &["verify", "nowhere"], &[]);
    assert_eq!(code, 2, "{err}");
    once_in_english(&err, "io");
    let (code, err) = run(&s, &["verify", "nowhere", "--pubkey", "keys/none.pub"], &[]);
    assert_eq!(code, 2, "{err}");
    once_in_english(&err, "signing-key");
    // A port that is taken: serve stops before building anything.
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, err) = run(&s, &["serve", "--port", &port], &[]);
    assert_eq!(code, 2, "{err}");
    once_in_english(&err, "io");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
}
