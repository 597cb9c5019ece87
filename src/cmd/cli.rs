//! What the command line needs before and around clap: the `-C` folder, found before the
//! arguments are parsed; the site, found upward from there as git finds its repository; and
//! the help and argument errors in the site's language. clap speaks only English, so for a
//! Chinese site the command's texts are replaced from the tables here and its errors are told
//! again from their kind and context, keeping clap's suggestions and usage line.

use crate::model::lang::Lang;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The folder named by `-C DIR`, `-CDIR`, `-C=DIR`, `--site DIR` or `--site=DIR`, the first one
/// before a `--`. Read before clap parses, since the site's language decides how clap speaks.
pub fn folder_arg(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--" {
            return None;
        }
        if s == "--site" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = s.strip_prefix("--site=") {
            return Some(PathBuf::from(v));
        }
        // Short flags, alone or after others that take no value (`-qC DIR`): `-C DIR`, `-CDIR`,
        // `-C=DIR`.
        if let Some(cluster) = s.strip_prefix('-').filter(|c| !c.starts_with('-')) {
            let flags = cluster.len() - cluster.trim_start_matches(['q', 'h', 'V']).len();
            if let Some(v) = cluster[flags..].strip_prefix('C') {
                let v = v.strip_prefix('=').unwrap_or(v);
                return if v.is_empty() { it.next().map(PathBuf::from) } else { Some(PathBuf::from(v)) };
            }
        }
    }
    None
}

/// Says that `-C DIR` cannot be entered; the exit code.
pub fn cannot_enter(dir: &Path, e: &std::io::Error) -> u8 {
    let shown = dir.display();
    eprintln!("错误：无法进入目录 {shown}（-C）：{e}\nerror: cannot enter the folder {shown} (-C): {e}");
    super::EXIT_FAILURE
}

/// The site that `start` belongs to: the nearest folder, from `start` upward, with a
/// `gongbao.toml`, written relative to `start` (`.`, `..`, `../..` …) so messages show short
/// paths. `start` itself when there is none, so the command says the settings are missing there.
///
/// The search ends at the top of the git work tree `start` is in (a site is a repository; a
/// `gongbao.toml` above it belongs to something else), and never looks in the system's
/// temporary folder or the file system's root: a settings file left there by someone else
/// would otherwise become the site of every scratch folder below it, and `build` would write
/// its output there.
pub fn find_site(start: &Path) -> PathBuf {
    let Ok(abs) = std::path::absolute(start) else { return start.to_path_buf() };
    let shared = [std::env::temp_dir(), PathBuf::from("/")];
    let shared: Vec<PathBuf> = shared.iter().map(|p| p.canonicalize().unwrap_or_else(|_| p.clone())).collect();
    let mut rel = start.to_path_buf();
    for dir in abs.ancestors() {
        let real = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if dir != abs && shared.contains(&real) {
            break;
        }
        if dir.join(crate::config::FILE).is_file() {
            return rel;
        }
        if dir.join(".git").exists() {
            break;
        }
        rel = if rel == Path::new(".") { PathBuf::from("..") } else { rel.join("..") };
    }
    start.to_path_buf()
}

/// Chinese texts of the commands, by path of subcommand names.
const ABOUT: &[(&str, &str)] = &[
    ("", "公报：把公报记录仓库编译为带校验和的静态归档网站"),
    ("init", "新建站点：配置文件和几条示例记录"),
    ("check", "检查站点中的全部问题；有错误时退出码为 1"),
    ("build", "检查并构建站点"),
    ("verify", "按清单和签名核验已构建的站点（或其副本）"),
    (
        "package",
        "从已构建的站点制作移交包：给档案馆、图书馆的 BagIt 包，给网页归档机构的 WARC 文件；每次移交都记入移交登记",
    ),
    ("new", "新建一条记录：该类别需要的字段、今天的日期，以及发文机关当年下一个可用的索引号和文号"),
    ("report", "根据记录生成的报告"),
    (
        "report annual",
        "政府信息公开工作年度报告第二部分：规章和规范性文件的制发、废止和现行有效情况，输出 Markdown、HTML 和 CSV",
    ),
    (
        "deploy",
        "把已构建并核验过的站点发布到兼容 S3 的对象存储：只上传改动的文件，先资源后页面，清单最后，之后再删除多余的对象。凭据取自 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY；地址和区域取自 [deploy] 或 AWS_ENDPOINT_URL 和 AWS_REGION",
    ),
    ("keygen", "生成用于签名站点的 Ed25519 密钥对"),
    ("serve", "构建站点，在 127.0.0.1 上预览，文件改动后重新构建"),
    ("clean", "删除构建输出目录和构建缓存"),
    ("completions", "输出某个 shell 的命令补全脚本（bash、zsh、fish、elvish、powershell）"),
];

/// Chinese texts of the arguments: (subcommand path, argument id, text).
const HELP: &[(&str, &str, &str)] = &[
    ("", "site", "如同在此目录中启动 gongbao；不指定时，站点是从当前目录向上最近的含 gongbao.toml 的目录"),
    ("", "quiet", "只输出错误"),
    ("init", "dir", "新建站点的目录"),
    ("check", "format", "输出格式"),
    ("check", "as_of", "按此日期（YYYY-MM-DD）检查，而不是今天"),
    ("build", "out", "输出目录"),
    ("build", "as_of", "构建站点在此日期（YYYY-MM-DD）的样子"),
    ("build", "jobs", "工作线程数（默认每个处理器核一个）"),
    ("build", "no_cache", "忽略构建缓存，重新生成全部文件"),
    (
        "build",
        "base_url",
        "本次构建使用的站点公开地址，代替 gongbao.toml 中的 [site] base_url（如 https://example.gov.cn/gazette/ 或 /preview/）",
    ),
    ("verify", "path", "站点的输出目录"),
    ("verify", "pubkey", "用于核验签名的公钥文件（minisign 格式）"),
    ("package", "audience", "移交包的接收方"),
    ("package", "warc", "同时为整个站点写一个 WARC 文件"),
    ("package", "from", "包含的第一个发布日（YYYY-MM-DD）"),
    ("package", "to", "包含的最后一个发布日（YYYY-MM-DD）"),
    ("package", "site_out", "要打包的已构建站点（默认：构建的输出目录）"),
    ("package", "out", "移交包的存放目录（默认：站点目录中的 packages/）"),
    ("package", "max_bytes", "拆分移交包，使每份载荷不超过这么多字节"),
    (
        "new",
        "kind",
        "记录类别：regulation、normative、policy、interpretation、draft、notice、report、catalog 或 gazette（也可写中文名）",
    ),
    ("new", "title", "标题"),
    ("new", "issuer", "发文机关（默认：站点的主办单位）"),
    ("new", "date", "写入的日期（YYYY-MM-DD），代替今天"),
    ("report annual", "year", "年份"),
    ("report annual", "out", "报告文件的存放目录（默认：站点目录中的 annual-reports/）"),
    ("deploy", "target", "s3://存储桶/前缀（默认：[deploy] target）"),
    ("deploy", "out", "要发布的已构建站点（默认：构建的输出目录）"),
    ("deploy", "dry_run", "只列出要做的上传和删除，不做任何改动"),
    ("deploy", "keep_stale", "保留站点中已没有的对象"),
    ("deploy", "purge_list", "把有改动的网址写入此文件，每行一个（供 CDN 刷新缓存）"),
    ("deploy", "pubkey", "发布前用此公钥核验站点的签名"),
    ("deploy", "jobs", "同时上传的文件数"),
    ("keygen", "out", "写入 gongbao.key 和 gongbao.pub 的目录"),
    ("serve", "port", "端口"),
    ("serve", "bind", "监听的地址；不是 127.0.0.1 或 ::1 时，其他计算机也能看到预览，包括草稿"),
    ("serve", "out", "输出目录"),
    ("serve", "open", "构建完成后在浏览器中打开预览"),
    ("serve", "watcher", "发现改动的方式：文件事件（在网络文件系统上改为轮询）、总用文件事件，或每秒比较一次文件"),
    ("clean", "out", "要删除的输出目录（默认：站点目录中的 public/）"),
    ("completions", "shell", "shell 的名称"),
];

/// The command with its texts in `lang`: as written in the code for English, from the tables
/// above for Chinese, with clap's own words (headings, help and version flags, defaults and
/// choices) in Chinese too.
pub fn localise(cmd: Command, lang: Lang) -> Command {
    if lang.is_english() {
        return cmd;
    }
    let cmd = cmd
        .disable_help_flag(true)
        .disable_version_flag(true)
        .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).global(true).help("显示帮助"))
        .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version).help("显示版本"));
    let mut cmd = chinese(cmd, "");
    // The `help` subcommands (of the command and of each with commands of its own) exist only
    // once the command is built.
    cmd.build();
    chinese_help(cmd)
}

/// `cmd` with each of its `help` subcommands, at every level, in Chinese.
fn chinese_help(mut cmd: Command) -> Command {
    let names: Vec<String> =
        cmd.get_subcommands().filter(|s| s.get_name() != "help").map(|s| s.get_name().to_string()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(&name, chinese_help);
    }
    if cmd.find_subcommand("help").is_some() {
        cmd = cmd.mut_subcommand("help", |h| h.about("显示本帮助，或某个命令的帮助"));
    }
    cmd
}

fn chinese(mut cmd: Command, path: &str) -> Command {
    if let Some((_, about)) = ABOUT.iter().find(|(p, _)| *p == path) {
        cmd = cmd.about(*about).long_about(None);
    }
    cmd = cmd
        .help_template("{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}")
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令");
    let ids: Vec<(String, bool)> = cmd.get_arguments().map(|a| (a.get_id().to_string(), a.is_positional())).collect();
    for (id, positional) in ids {
        let text = HELP.iter().find(|(p, i, _)| *p == path && *i == id).map(|(_, _, t)| *t);
        cmd = cmd.mut_arg(&id, |a| {
            let mut extra = String::new();
            let defaults: Vec<String> = a.get_default_values().iter().map(|v| v.to_string_lossy().into()).collect();
            if !defaults.is_empty() && !a.is_hide_default_value_set() {
                extra.push_str(&format!("（默认：{}）", defaults.join("、")));
            }
            let values: Vec<String> = a.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
            if !values.is_empty() && !matches!(a.get_action(), ArgAction::SetTrue | ArgAction::SetFalse) {
                extra.push_str(&format!("（可选：{}）", values.join("、")));
            }
            let a =
                if a.get_action().takes_values() { a.hide_default_value(true).hide_possible_values(true) } else { a };
            let a = match text {
                Some(t) => a.help(format!("{t}{extra}")).long_help(None),
                None => a,
            };
            a.help_heading(if positional { "参数" } else { "选项" })
        });
    }
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        let sub = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        cmd = cmd.mut_subcommand(&name, |s| chinese(s, &sub));
    }
    cmd
}

/// Prints an argument error, or the help or version asked for, in `lang`; the exit code: 0 for
/// help and version, 2 for a usage error.
pub fn print_error(e: &clap::Error, lang: Lang) -> u8 {
    if !e.use_stderr() {
        let _ = e.print();
        return 0;
    }
    if lang.is_english() {
        let _ = e.print();
        return super::EXIT_FAILURE;
    }
    eprint!("{}", chinese_error(e));
    super::EXIT_FAILURE
}

/// A range of numbers as clap writes it (`1..=256`, `1..18446744073709551615`), in Chinese.
fn range_zh(r: &str) -> Option<String> {
    let (lo, hi, closed) = match r.split_once("..=") {
        Some((lo, hi)) => (lo, hi, true),
        None => r.split_once("..").map(|(lo, hi)| (lo, hi, false))?,
    };
    let hi: u128 = hi.trim().parse().ok()?;
    // An end no one would write is the type's own: only the start bounds the value.
    if hi >= u128::from(u32::MAX) {
        return Some(format!("应不小于 {lo}"));
    }
    let top = if closed { hi } else { hi.saturating_sub(1) };
    Some(format!("应在 {lo} 到 {top} 之间"))
}

/// The text of an argument error in Chinese: what is wrong, clap's suggestion, the usage line.
pub fn chinese_error(e: &clap::Error) -> String {
    let get = |k: ContextKind| e.get(k);
    let one = |k: ContextKind| match get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let list = |k: ContextKind| match get(k) {
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let arg = one(ContextKind::InvalidArg);
    let value = one(ContextKind::InvalidValue);
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => format!("没有 `{}` 这个命令", one(ContextKind::InvalidSubcommand)),
        ErrorKind::UnknownArgument => format!("不认识参数 `{arg}`"),
        ErrorKind::InvalidValue if value.is_empty() => format!("{arg} 需要一个值"),
        ErrorKind::InvalidValue => format!("`{value}` 不是 {arg} 可取的值"),
        ErrorKind::ValueValidation if is_date(&arg) => match crate::model::date::Date::parse(&value) {
            Err(crate::model::date::DateError::NoSuchDay) => {
                format!("{arg} 的值 `{value}` 没有这一天（月份在 1 到 12 之间，日不超过该月的天数）")
            }
            _ => format!("{arg} 的值 `{value}` 不是 YYYY-MM-DD 形式的日期"),
        },
        // The reason comes from the value's parser: a range of numbers (`0 is not in 1949..=9998`)
        // is said in Chinese, anything else in clap's words.
        ErrorKind::ValueValidation => match std::error::Error::source(e).map(|w| w.to_string()) {
            Some(why) => match why.split_once(" is not in ").and_then(|(_, r)| range_zh(r)) {
                Some(range) => format!("{arg} 的值 `{value}` 超出范围：{range}"),
                None => format!("{arg} 的值 `{value}` 无效（{why}）"),
            },
            None => format!("{arg} 的值 `{value}` 无效"),
        },
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{}", list(ContextKind::InvalidArg).join("、")),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "缺少命令".to_string(),
        ErrorKind::ArgumentConflict => format!("参数 {arg} 不能与 {} 同时使用", one(ContextKind::PriorArg)),
        ErrorKind::TooManyValues => format!("{arg} 的值 `{value}` 多余"),
        ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => format!("{arg} 的值的个数不对"),
        ErrorKind::NoEquals => format!("{arg} 的值要用 = 连接"),
        ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文本".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    let mut out = format!("错误：{what}\n");
    let valid = list(ContextKind::ValidValue);
    if !valid.is_empty() {
        out.push_str(&format!("\n  可取的值：{}\n", valid.join("、")));
    }
    for k in [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg, ContextKind::SuggestedValue] {
        let s = list(k);
        if !s.is_empty() {
            let s: Vec<String> = s.iter().map(|x| format!("`{x}`")).collect();
            out.push_str(&format!("\n  提示：是不是 {}？\n", s.join("、")));
        }
    }
    if let Some(ContextValue::StyledStr(usage)) = get(ContextKind::Usage) {
        let usage = usage.to_string();
        let usage = usage.trim_start_matches("Usage:").trim();
        out.push_str(&format!("\n用法：{usage}\n"));
    }
    out.push_str("\n更多信息请运行 `gongbao --help`（或 `gongbao 命令 --help`）。\n");
    out
}

/// Whether an argument, as clap names it in an error (`--as-of <AS_OF>`), takes a date.
fn is_date(arg: &str) -> bool {
    let name = arg.split_whitespace().next().unwrap_or("");
    matches!(name, "--as-of" | "--from" | "--to" | "--date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_folder_is_found_in_every_spelling() {
        for a in [
            &["gongbao", "-C", "x", "build"][..],
            &["gongbao", "-Cx", "build"],
            &["gongbao", "-C=x", "build"],
            &["gongbao", "build", "--site", "x"],
            &["gongbao", "--site=x", "build"],
            &["gongbao", "-qC", "x", "build"],
            &["gongbao", "build", "-qCx"],
        ] {
            assert_eq!(folder_arg(&args(a)), Some(PathBuf::from("x")), "{a:?}");
        }
        assert_eq!(folder_arg(&args(&["gongbao", "new", "--", "-C", "x"])), None);
        assert_eq!(folder_arg(&args(&["gongbao", "build"])), None);
        assert_eq!(folder_arg(&args(&["gongbao", "build", "-q"])), None);
    }

    #[test]
    fn the_site_is_found_upward() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("gongbao.toml"), "").unwrap();
        let deep = tmp.path().join("content/a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let found = find_site(&deep);
        assert_eq!(found, deep.join("..").join("..").join(".."));
        assert!(found.join("gongbao.toml").is_file());
        // Not past the top of a repository.
        std::fs::create_dir(tmp.path().join("content/a/.git")).unwrap();
        assert_eq!(find_site(&deep), deep);
    }

    #[test]
    fn a_settings_file_in_the_temporary_folder_is_no_ones_site() {
        let tmp = tempfile::tempdir().unwrap();
        let inside = tmp.path().join("x");
        std::fs::create_dir(&inside).unwrap();
        // Whatever the temporary folder holds, a folder below it finds only what is between.
        assert_eq!(find_site(&inside), inside);
    }
}
