//! The command line's conventions: the site found upward and `-C` for every command, help and
//! argument errors in the site's language with suggestions, `--quiet`, `--base-url`, `clean`,
//! completions, the `.gitignore` of `init`, the build cache in `.gongbao/`, and `keygen`
//! refusing a secret key that git would commit.

mod common;

use common::{Site, normative, run_in};
use std::path::Path;
use std::process::Command;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn small_site() -> Site {
    let s = Site::new();
    s.record("normative/a", &format!("{}\nindex_no: 123456789/2024-00001", normative("甲", "2024-01-02")), "正文\n");
    s
}

/// Every command's help, and every argument's, is in Chinese on a Chinese site: a command or
/// argument added without its Chinese text would show English among Chinese.
#[test]
fn every_command_and_argument_has_its_chinese_help() {
    let s = small_site();
    let han = |line: &str| line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let top = text(&s.run(&["--help"]).stdout);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("命令"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(commands.len() >= 12 && commands.contains(&"deploy".to_string()), "{top}");
    let mut helps = vec![(String::new(), top.clone())];
    for c in &commands {
        let out = text(&s.run(&[c, "--help"]).stdout);
        // A command with commands of its own: theirs too.
        for sub in out.lines().skip_while(|l| !l.starts_with("命令")).skip(1).take_while(|l| !l.trim().is_empty()) {
            if let Some(name) = sub.split_whitespace().next().filter(|n| *n != "help") {
                helps.push((format!("{c} {name}"), text(&s.run(&[c, name, "--help"]).stdout)));
            }
        }
        helps.push((c.clone(), out));
    }
    for (c, out) in &helps {
        // The lines that describe a command or an argument: indented, a name, then its text.
        for line in out.lines().filter(|l| l.starts_with("  ") && l.split_whitespace().count() > 1) {
            assert!(han(line), "`gongbao {c} --help` has a line with no Chinese: {line}\n{out}");
        }
    }
}

#[test]
fn a_misspelt_command_is_told_in_chinese_with_a_suggestion() {
    let s = small_site();
    let o = s.run(&["biuld"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("没有 `biuld` 这个命令"), "{err}");
    assert!(err.contains("是不是 `build`"), "{err}");
    assert!(err.contains("用法：gongbao"), "{err}");
    let o = s.run(&["build", "--jbos", "2"]);
    let err = text(&o.stderr);
    assert!(err.contains("不认识参数 `--jbos`") && err.contains("`--jobs`"), "{err}");
    let o = s.run(&["check", "--as-of", "2024-13-01"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`2024-13-01` 没有这一天"), "{err}");
    let err = text(&s.run(&["check", "--as-of", "2024-02-30"]).stderr);
    assert!(err.contains("`2024-02-30` 没有这一天"), "{err}");
    let err = text(&s.run(&["check", "--as-of", "2024-1-1"]).stderr);
    assert!(err.contains("`2024-1-1` 不是 YYYY-MM-DD 形式的日期"), "{err}");
    let err = text(&s.run(&["build", "--jobs", "0"]).stderr);
    assert!(err.contains("--jobs <JOBS> 的值 `0` 超出范围：应在 1 到 256 之间"), "{err}");
    let err = text(&s.run(&["package", "--max-bytes", "0"]).stderr);
    assert!(err.contains("超出范围：应不小于 1"), "{err}");
    // A number in the settings too large for any type: its range, never the reader's type.
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\nper_page = 99999999999999999999\n"));
    let err = text(&s.run(&["check"]).stderr);
    assert!(err.contains("数值超出范围") && !err.contains("i128") && err.contains("gongbao.toml:2:12"), "{err}");
    // A theme that is not there is pointed at in the settings.
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\ntheme = \"nope\"\n"));
    let err = text(&s.run(&["build"]).stderr);
    assert!(err.contains("[theme]") && err.contains("gongbao.toml:2:9"), "{err}");
}

#[test]
fn help_is_in_the_sites_language() {
    let s = small_site();
    let o = s.run(&["--help"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0));
    assert!(out.contains("检查并构建站点") && out.contains("选项") && out.contains("显示帮助"), "{out}");
    assert!(!out.contains("Check and build the site"), "{out}");
    let out = text(&s.run(&["build", "--help"]).stdout);
    assert!(out.contains("忽略构建缓存") && out.contains("--base-url"), "{out}");
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\nlanguage = \"en\"\n"));
    let out = text(&s.run(&["--help"]).stdout);
    assert!(out.contains("Check and build the site") && out.contains("Options"), "{out}");
    let err = text(&s.run(&["biuld"]).stderr);
    assert!(err.contains("unrecognized subcommand 'biuld'") && err.contains("build"), "{err}");
}

#[test]
fn the_site_is_found_from_a_subfolder_and_a_missing_one_is_file_not_found() {
    let s = small_site();
    let o = run_in(&s.root().join("content/normative"), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run_in(&s.root().join("content/normative"), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(s.root().join("public/manifest.json").is_file());
    assert!(!s.root().join("content/normative/public").exists());

    let empty = tempfile::tempdir().unwrap();
    let o = run_in(empty.path(), &["check"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("找不到站点配置文件") && err.contains("gongbao init"), "{err}");
    assert!(!err.contains(":1:1") && !err.contains("os error"), "{err}");
}

#[test]
fn every_command_honours_dash_c() {
    let s = small_site();
    let elsewhere = tempfile::tempdir().unwrap();
    let root = s.root().to_str().unwrap();
    let o = run_in(elsewhere.path(), &["-C", root, "build"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // Relative paths of `verify` and `keygen` start in the -C folder.
    let o = run_in(elsewhere.path(), &["-C", root, "verify", "public"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let o = run_in(elsewhere.path(), &["-C", root, "keygen", "--out", "keys"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(s.root().join("keys/gongbao.key").is_file());
    assert!(!elsewhere.path().join("keys").exists());
    let o = run_in(elsewhere.path(), &["-C", "/no/such/folder", "check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("无法进入目录"), "{}", text(&o.stderr));
}

#[test]
fn quiet_prints_only_errors() {
    let s = small_site();
    // A warning: a duplicate title.
    s.record("normative/b", &format!("{}\nindex_no: 123456789/2024-00002", normative("甲", "2024-01-03")), "正文\n");
    let loud = s.run(&["check"]);
    assert!(text(&loud.stderr).contains("警告"), "{}", text(&loud.stderr));
    let o = s.run(&["check", "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stderr), "");
    let o = s.run(&["-q", "build"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stderr), "");
    s.record("normative/c", "kind: normative", "");
    let o = s.run(&["check", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("错误[missing-key]"), "{}", text(&o.stderr));
}

#[test]
fn base_url_on_the_command_line_replaces_the_settings() {
    let s = small_site();
    let o = s.run(&["build", "--base-url", "https://mirror.example.org/gb"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let sitemap = std::fs::read_to_string(s.root().join("public/sitemap.xml")).unwrap();
    assert!(sitemap.contains("https://mirror.example.org/gb/"), "{sitemap}");
    assert!(!sitemap.contains("test.example.gov.cn"), "{sitemap}");
    let o = s.run(&["build", "--base-url", "mirror.example.org"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("不是网址"), "{}", text(&o.stderr));
}

#[test]
fn the_cache_lives_in_the_dot_folder_and_clean_removes_it_with_the_output() {
    let s = small_site();
    assert!(s.run(&["build"]).status.success());
    assert!(s.root().join(".gongbao/cache/public.jsonl").is_file());
    // An output elsewhere has its own cache, one file however often it is built; a cache made
    // for another folder of the same name is not used.
    let elsewhere = tempfile::tempdir().unwrap();
    let (one, two) = (elsewhere.path().join("1/www"), elsewhere.path().join("2/www"));
    for out in [&one, &one, &two] {
        assert!(s.run(&["build", "--out", out.to_str().unwrap()]).status.success());
    }
    let caches: Vec<_> = std::fs::read_dir(s.root().join(".gongbao/cache")).unwrap().collect();
    assert_eq!(caches.len(), 2, "{caches:?}");
    let timed = |out: &Path| {
        let o = std::process::Command::new(common::bin())
            .current_dir(s.root())
            .args(["build", "--out", out.to_str().unwrap()])
            .env("CI", "true")
            .env("GONGBAO_TIMINGS", "1")
            .output()
            .unwrap();
        let err = text(&o.stderr);
        err.split("reused=").nth(1).and_then(|x| x.split_whitespace().next()).map(str::to_string).unwrap()
    };
    assert_eq!(timed(&one), "0", "the last cache saved is that of 2/www");
    assert_ne!(timed(&one), "0", "the cache of 1/www serves it again");
    let beside: Vec<String> = std::fs::read_dir(s.root())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("cache"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
    let o = s.run(&["clean"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!s.root().join("public").exists() && !s.root().join(".gongbao/cache").exists());
    assert!(s.root().join("content/normative/a.md").is_file());
    // A folder gongbao did not write is not removed.
    s.write("public/mine.txt", "not gongbao's");
    let o = s.run(&["clean"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(s.root().join("public/mine.txt").is_file());
    // Nor is the site itself.
    let o = s.run(&["clean", "--out", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(s.root().join("gongbao.toml").is_file());
}

#[test]
fn a_file_put_deep_inside_the_output_is_neither_cleaned_nor_replaced_away() {
    let s = small_site();
    assert!(s.run(&["build"]).status.success());
    // Below the top level, where only the manifest tells what is gongbao's.
    s.write("public/docs/ops/notes.txt", "an editor's notes");
    let o = s.run(&["clean"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("docs/ops/notes.txt"), "{}", text(&o.stderr));
    assert!(s.root().join("public/docs/ops/notes.txt").is_file());
    // A build that would replace the whole output (no cache of it) stops before replacing it.
    let o = s.run(&["build", "--no-cache"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(s.root().join("public/docs/ops/notes.txt").is_file());
    std::fs::remove_dir_all(s.root().join("public/docs/ops")).unwrap();
    assert!(s.run(&["build", "--no-cache"]).status.success());
    assert_eq!(s.run(&["clean"]).status.code(), Some(0));
    assert!(!s.root().join("public").exists());
}

#[test]
fn completions_are_written_for_the_usual_shells() {
    let s = small_site();
    for shell in ["bash", "zsh", "fish"] {
        let o = s.run(&["completions", shell]);
        let out = text(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(out.contains("gongbao") && out.contains("build") && out.contains("base-url"), "{shell}: {out}");
    }
    assert_eq!(s.run(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn init_writes_a_gitignore_and_keeps_one_already_there() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(run_in(tmp.path(), &["init", "a"]).status.success());
    let ignore = std::fs::read_to_string(tmp.path().join("a/.gitignore")).unwrap();
    for line in ["/public/", "/.gongbao/", "/gongbao.key"] {
        assert!(ignore.lines().any(|l| l == line), "{ignore}");
    }
    // Beside the output: the staging folder of a build, and the spare copies `serve` keeps
    // (160 MB at 50,000 records), which an editor's `git add -A` must not take.
    let git = |args: &[&str]| Command::new("git").current_dir(tmp.path().join("a")).args(args).output().unwrap();
    assert!(git(&["init", "-q"]).status.success());
    for made in [".public.gongbao-staging/index.html", ".public.gongbao-spare/1"] {
        let p = tmp.path().join("a").join(made);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "x").unwrap();
        assert!(git(&["check-ignore", "-q", made]).status.success(), "{made} is not ignored: {ignore}");
    }
    std::fs::create_dir(tmp.path().join("b")).unwrap();
    std::fs::write(tmp.path().join("b/.gitignore"), "*.bak\n/public/").unwrap();
    assert!(run_in(tmp.path(), &["init", "b"]).status.success());
    let ignore = std::fs::read_to_string(tmp.path().join("b/.gitignore")).unwrap();
    assert_eq!(
        ignore,
        "*.bak\n/public/\n/.gongbao/\n/gongbao.key\n/.public.gongbao-staging/\n/.public.gongbao-spare/\n"
    );
}

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git").current_dir(dir).args(args).output().is_ok_and(|o| o.status.success())
}

#[test]
fn keygen_refuses_a_secret_key_that_git_would_commit() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(git(tmp.path(), &["init", "-q"]), "git is needed for this test");
    let o = run_in(tmp.path(), &["keygen"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("git 工作区") && err.contains(".gitignore"), "{err}");
    assert!(!tmp.path().join("gongbao.key").exists() && !tmp.path().join("gongbao.pub").exists());
    // Also in a folder of the work tree that does not exist yet.
    assert_eq!(run_in(tmp.path(), &["keygen", "--out", "keys/new"]).status.code(), Some(1));
    std::fs::write(tmp.path().join(".gitignore"), "gongbao.key\n").unwrap();
    let o = run_in(tmp.path(), &["keygen"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(tmp.path().join("gongbao.key").is_file());
}

#[test]
fn the_time_zone_reaches_the_feeds_as_plus_hh_mm() {
    let s = small_site();
    s.write("gongbao.toml", &common::CONFIG.replace("[site]\n", "[site]\ntimezone = \"+8:0\"\n"));
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let mut seen = false;
    for (path, bytes) in common::tree(&s.root().join("public")) {
        let t = text(&bytes);
        assert!(!t.contains("+8:0"), "{path}");
        seen |= t.contains("+08:00");
    }
    assert!(seen, "no file gives the offset");
}

/// `gongbao ARGS` on a pseudo-terminal, which must succeed; what the terminal showed.
fn on_a_terminal(dir: &Path, args: &str, ci: bool) -> String {
    let (status, shown) = common::on_a_terminal(dir, args, ci);
    assert!(status.success(), "{shown}");
    shown
}

#[test]
fn a_progress_bar_on_a_terminal_and_none_in_ci_or_when_quiet() {
    let s = small_site();
    let shown = on_a_terminal(s.root(), "build --no-cache", false);
    assert!(shown.contains("正在生成") && shown.contains("/"), "{shown:?}");
    // The bar is cleared before the closing line.
    assert!(shown.contains("\u{1b}[2K"), "{shown:?}");
    assert!(shown.contains("已将"), "{shown:?}");
    for (args, ci) in [("build --no-cache", true), ("build --no-cache -q", false)] {
        let shown = on_a_terminal(s.root(), args, ci);
        assert!(!shown.contains("正在生成"), "{args} (CI {ci}): {shown:?}");
    }
}

#[test]
fn no_progress_bar_outside_a_terminal() {
    let s = small_site();
    let o = s.run(&["build"]);
    let err = text(&o.stderr);
    assert!(!err.contains("正在生成") && !err.contains('\r') && !err.contains('\u{1b}'), "{err:?}");
}
