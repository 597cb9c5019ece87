//! `gongbao package`: hand-off packages made from the built, sealed site — a BagIt bag of E-ARK
//! SIPs for the archives (`--for archive`), a bag of Dublin Core, MARCXML and an OAI-PMH static
//! repository for libraries (`--for library`), a WARC file for web archives (`--warc`) — each
//! signed when a key is set, and each recorded in the transfer register.

use super::build::{default_out, resolved, signing_key};
use super::{EXIT_ERRORS, EXIT_FAILURE, Failure, read_config, report};
use crate::config::Config;
use crate::model::date::Date;
use crate::model::diag::Msg;
use crate::model::rules;
use crate::model::transfer::{self, Comparison, REGISTER, Transfer, TransferDoc};
use crate::msg;
use crate::package::meta::{Day, OaiSettings};
use crate::package::transfer::{self as plan, Audience, Request, Tree};
use crate::package::warc::WarcOut;
use crate::seal::minisign::{KeyPair, prehash};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What to package.
pub struct Options {
    /// The site's folder.
    pub root: PathBuf,
    /// A bag for the archives or for libraries.
    pub audience: Option<For>,
    /// Also (or only) a WARC file of the whole site.
    pub warc: bool,
    /// First publication day to include.
    pub from: Option<Date>,
    /// Last publication day to include.
    pub to: Option<Date>,
    /// The built site (default: the build's default output).
    pub site_out: Option<PathBuf>,
    /// Where the packages go (default: `packages/` in the site's folder).
    pub out: Option<PathBuf>,
    /// Largest payload of one bag, in bytes.
    pub max_bytes: Option<u64>,
    /// Print nothing but errors.
    pub quiet: bool,
}

/// Who a package is for, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum For {
    /// The national archives.
    Archive,
    /// Public libraries.
    Library,
}

impl From<For> for Audience {
    fn from(f: For) -> Audience {
        match f {
            For::Archive => Audience::Archive,
            For::Library => Audience::Library,
        }
    }
}

/// Makes the packages; returns the exit code.
pub fn run(o: &Options) -> u8 {
    match package(o) {
        Ok(code) => code,
        Err(f) => report(&f, &o.root),
    }
}

fn package(o: &Options) -> Result<u8, Failure> {
    let cfg = read_config(&o.root)?;
    let lang = cfg.lang();
    if o.audience.is_none() && !o.warc {
        return Err(Failure::new(&rules::CONFIG, EXIT_FAILURE, msg!("没有指定要制作的包", "no package was asked for"))
            .help(msg!("给出 --for archive、--for library 或 --warc", "give --for archive, --for library or --warc")));
    }
    // The web archive is always of the whole site, in one file: a period or a size asked of it
    // alone would be silently ignored.
    if o.audience.is_none() && (o.from.is_some() || o.to.is_some() || o.max_bytes.is_some()) {
        return Err(Failure::new(
            &rules::CONFIG,
            EXIT_FAILURE,
            msg!(
                "--from、--to 和 --max-bytes 只用于 --for archive 或 --for library：--warc 总是整个网站、一个文件",
                "--from, --to and --max-bytes apply to --for archive or --for library only: --warc is always the whole site, in one file"
            ),
        )
        .help(msg!(
            "去掉这些选项，或同时给出 --for archive / --for library",
            "leave them out, or give --for archive or --for library as well"
        )));
    }
    if let (Some(f), Some(t)) = (o.from, o.to)
        && f > t
    {
        return Err(Failure::new(
            &rules::CONFIG,
            EXIT_FAILURE,
            msg!("--from {f} 晚于 --to {t}", "--from {f} is later than --to {t}"),
        ));
    }
    let tree_dir = o.site_out.clone().unwrap_or_else(|| default_out(&o.root));
    let out = o.out.clone().unwrap_or_else(|| o.root.join("packages"));
    outside_the_output(&out, &tree_dir, &default_out(&o.root))?;
    let key = signing_key(&o.root, &cfg)?;
    let tree = open_tree(&tree_dir, &cfg, key.as_ref())?;
    super::still_public(&o.root, &tree_dir, true)?;
    let created = make_out(&out)?;
    // Stopped by a signal, the run leaves no folder it made and left empty (`remove_dir` takes
    // away only empty folders, as below).
    let _empty: Vec<_> = created.iter().map(|d| crate::emit::interrupt::scratch_if_empty(d)).collect();
    let made = make(o, &cfg, &tree, &tree_dir, key.as_ref(), &out);
    // A refusal or failure leaves no folder behind that this run made (a period without
    // documents, a failed write): `remove_dir` takes away only empty folders, so a package
    // finished before the failure, or anything else put there meanwhile, stays.
    if made.is_err() {
        for dir in &created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    for l in made?.iter().filter(|_| !o.quiet) {
        eprintln!("{}", l.get(lang));
    }
    Ok(0)
}

/// Refuses an `--out` that is the output folder of the build, or the built site being packaged,
/// or lies inside either (named through a link or `..` as well): a package written there is a
/// file the seal (`manifest.json`) does not list, so `verify` would fail on the site afterwards
/// and `deploy` and `package` would refuse it until the next build.
fn outside_the_output(out: &Path, tree_dir: &Path, build_out: &Path) -> Result<(), Failure> {
    let folder = resolved(out);
    for site in [tree_dir, build_out] {
        if folder.starts_with(resolved(site)) {
            let (shown, site) = (out.display(), site.display());
            return Err(Failure::new(
                &rules::CONFIG,
                EXIT_FAILURE,
                msg!(
                    "--out {shown} 是已生成站点 {site} 或位于其中：包写在那里会破坏站点的封存（manifest.json 中没有它），之后 verify 失败，deploy 和 package 都会拒绝，直到重新构建",
                    "--out {shown} is or lies inside the built site {site}: a package written there would break the site's seal (manifest.json does not list it), so verify would fail and deploy and package would refuse the site until it is built again"
                ),
            )
            .help(msg!(
                "用 --out 指定已生成站点以外的目录，或不给 --out，用默认的站点目录下的 packages/",
                "give --out a folder outside the built site, or leave it out for the default packages/ in the site's folder"
            )));
        }
    }
    Ok(())
}

/// Makes the folder `out` and the folders above it that are missing; returns those it made,
/// deepest first, so that a failed run can take them away again.
fn make_out(out: &Path) -> Result<Vec<PathBuf>, Failure> {
    let cannot = |e: std::io::Error| {
        let shown = out.display();
        Failure::io(msg!("无法建立目录 {shown}：{e}", "cannot make the folder {shown}: {e}"))
    };
    let absolute = std::path::absolute(out).map_err(cannot)?;
    // A name ending in `..` is the folder above, which existed before: never one to take away.
    let missing: Vec<PathBuf> = absolute
        .ancestors()
        .take_while(|p| std::fs::symlink_metadata(p).is_err())
        .filter(|p| p.file_name().is_some())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(out).map_err(cannot)?;
    Ok(missing)
}

/// Makes the packages asked for into `out` and records them in the register; returns the lines
/// to print.
fn make(
    o: &Options,
    cfg: &Config,
    tree: &Tree,
    tree_dir: &Path,
    key: Option<&KeyPair>,
    out: &Path,
) -> Result<Vec<Msg>, Failure> {
    let register_path = o.root.join(REGISTER);
    let _held = lock_register(&o.root, cfg)?;
    let mut register =
        crate::source::read_register(&o.root).map_err(|d| Failure { diagnostic: d, code: EXIT_FAILURE })?;
    let today = Date::today(cfg.tz_minutes()).to_string();
    let slug = slug(cfg);
    let mut lines = Vec::new();

    if let Some(audience) = o.audience.map(Audience::from) {
        let library = library_settings(cfg, audience)?;
        let mut req = Request {
            audience,
            from: o.from.and_then(|d| Day::parse(&d.to_string())),
            to: o.to.and_then(|d| Day::parse(&d.to_string())),
            site: &cfg.site.name,
            slug: &slug,
            archive: cfg.package.archive.as_ref(),
            library: library.as_ref(),
            contact: (&cfg.package.contact_name, &cfg.package.contact_email),
            epoch: 0,
            max_bytes: o.max_bytes,
        };
        if audience == Audience::Archive && req.archive.is_none() {
            return Err(Failure::new(
                &rules::CONFIG,
                EXIT_FAILURE,
                msg!("gongbao.toml 中没有 [package.archive]", "gongbao.toml has no [package.archive]"),
            )
            .help(msg!(
                "加入 [package.archive] 并写明档案馆给定的全宗号，如 fonds = \"Q001\"",
                "add [package.archive] with the fonds code the archive assigned, e.g. fonds = \"Q001\""
            )));
        }
        let in_period = |d: Day| req.from.is_none_or(|f| d >= f) && req.to.is_none_or(|t| d <= t);
        if !tree.documents.documents.iter().any(|r| in_period(r.published)) {
            let from = o.from.map_or_else(|| "…".to_string(), |d| d.to_string());
            let to = o.to.map_or_else(|| "…".to_string(), |d| d.to_string());
            return Err(Failure::new(
                &rules::CONFIG,
                EXIT_FAILURE,
                msg!("{from} 至 {to} 没有发布过主动公开的文件", "no public document was published from {from} to {to}"),
            )
            .help(msg!("核对 --from 与 --to", "check --from and --to")));
        }
        let planned = plan::plan(tree, &req).map_err(|e| {
            Failure::new(&rules::CONFIG, EXIT_FAILURE, msg!("无法制作移交包：{e}", "cannot make the package: {e}"))
        })?;
        let newest = planned.docs.iter().map(|&i| tree.documents.documents[i].published).max();
        req.epoch = epoch(newest)?;
        let outputs = plan::write(tree, &planned, &req, out).map_err(|e| {
            Failure::io(msg!("无法写出移交包：{e}", "cannot write the package: {e}"))
                .help(msg!("没有留下任何不完整的包", "no partial package was left behind"))
        })?;
        for output in &outputs {
            sign(out, &output.file, key, tree)?;
        }
        let (bytes, sha256) = if outputs.len() == 1 {
            (outputs[0].bytes, outputs[0].sha256.clone())
        } else {
            let listed: String = outputs.iter().map(|o| format!("{}  {}\n", o.sha256, o.file)).collect();
            (outputs.iter().map(|o| o.bytes).sum(), crate::source::hex(&Sha256::digest(listed.as_bytes())))
        };
        let documents =
            plan::contents(tree, &planned).into_iter().map(|(id, digest)| TransferDoc { digest, id }).collect();
        let (from, to) = period(tree, &planned.docs, o);
        let entry = Transfer {
            as_of: tree.documents.as_of.to_string(),
            bytes,
            date: today.clone(),
            documents,
            audience: audience.id().to_string(),
            from,
            number: 0,
            package: if outputs.len() == 1 { outputs[0].file.clone() } else { format!("{}.zip", planned.name) },
            sha256,
            to,
        };
        let names: Vec<&str> = outputs.iter().map(|o| o.file.as_str()).collect();
        lines.push(record(&mut register, &register_path, entry, &names.join(", "), planned.docs.len())?);
    }

    if o.warc {
        let as_of = tree.documents.as_of;
        let file = format!("{slug}-site-{}.warc.gz", as_of.compact());
        let (bytes, sha256) = write_warc(tree, tree_dir, out, &file, cfg)?;
        sign(out, &file, key, tree)?;
        let entry = Transfer {
            as_of: as_of.to_string(),
            bytes,
            date: today.clone(),
            documents: Vec::new(),
            audience: "warc".to_string(),
            from: as_of.to_string(),
            number: 0,
            package: file.clone(),
            sha256,
            to: as_of.to_string(),
        };
        lines.push(record(&mut register, &register_path, entry, &file, tree.files().count())?);
    }
    Ok(lines)
}

/// Verifies the built site (with the signing key's public half when one is set) and opens it.
fn open_tree(dir: &Path, cfg: &Config, key: Option<&KeyPair>) -> Result<Tree, Failure> {
    let shown = dir.display();
    let build_first = || msg!("先运行 gongbao build", "run gongbao build first");
    let public = key.map(KeyPair::public);
    let report = crate::seal::verify::verify(dir, public.as_ref()).map_err(|e| {
        Failure::io(msg!("{shown} 不是可用的已生成站点：{e}", "{shown} is not a usable built site: {e}"))
            .help(build_first())
    })?;
    if !report.clean() {
        let n = report.problems();
        return Err(Failure::new(
            &rules::CHANGED,
            EXIT_ERRORS,
            msg!(
                "{shown} 与它的清单不一致（{n} 处），不能据此制作移交包",
                "{shown} does not match its manifest ({n} problem(s)); no package is made from it"
            ),
        )
        .help(msg!(
            "用 gongbao verify 查看，再重新 gongbao build",
            "see gongbao verify, then run gongbao build again"
        )));
    }
    Tree::open(dir, &cfg.site.base_url).map_err(|e| {
        Failure::io(msg!("无法读取已生成站点 {shown}：{e}", "cannot read the built site {shown}: {e}"))
            .help(build_first())
    })
}

/// `[package.library]`, or for a library package without it, the defaults: the static
/// repository at the site's `oai/static-repository.xml`, the contact address as its admin.
fn library_settings(cfg: &Config, audience: Audience) -> Result<Option<OaiSettings>, Failure> {
    if audience != Audience::Library {
        return Ok(None);
    }
    if let Some(l) = &cfg.package.library {
        return Ok(Some(l.clone()));
    }
    if !cfg.package.contact_email.contains('@') {
        return Err(Failure::new(
            &rules::CONFIG,
            EXIT_FAILURE,
            msg!("图书馆包需要联系邮箱", "a library package needs a contact e-mail address"),
        )
        .help(msg!(
            "在 gongbao.toml 的 [package] 中写 contact_email = \"…\"",
            "add contact_email = \"…\" under [package] in gongbao.toml"
        )));
    }
    Ok(Some(OaiSettings {
        repository_url: format!("{}oai/static-repository.xml", cfg.site.base_url),
        gateway_url: None,
        admin_emails: vec![cfg.package.contact_email.clone()],
    }))
}

/// The start of every package name: the site's identification code when it is plain ASCII.
fn slug(cfg: &Config) -> String {
    let id = &cfg.site.id_code;
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        id.clone()
    } else {
        "gongbao".to_string()
    }
}

/// The date written into every package entry: `SOURCE_DATE_EPOCH` when set, else midnight (UTC)
/// of the newest publication day packaged.
fn epoch(newest: Option<Day>) -> Result<i64, Failure> {
    if let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH").filter(|v| !v.is_empty()) {
        let v = v.to_string_lossy().into_owned();
        return v.trim().parse::<i64>().map_err(|_| {
            Failure::new(
                &rules::CONFIG,
                EXIT_FAILURE,
                msg!("SOURCE_DATE_EPOCH={v} 不是秒数", "SOURCE_DATE_EPOCH={v} is not a number of seconds"),
            )
        });
    }
    let day = newest.map(|d| d.to_string()).unwrap_or_else(|| "1980-01-01".to_string());
    Ok(Date::parse(&day).map(|d| d.to_days() * 86_400).unwrap_or(315_532_800))
}

/// The period a transfer covers: the days asked for, else those of its documents.
fn period(tree: &Tree, docs: &[usize], o: &Options) -> (String, String) {
    let days = docs.iter().map(|&i| tree.documents.documents[i].published);
    let first = days.clone().min().map(|d| d.to_string()).unwrap_or_default();
    let last = days.max().map(|d| d.to_string()).unwrap_or_default();
    (o.from.map_or(first, |d| d.to_string()), o.to.map_or(last, |d| d.to_string()))
}

/// Signs `file` in `dir` when a key is set: `file.minisig` beside it, prehashed, with the file
/// name and the site's build date in the trusted comment.
fn sign(dir: &Path, file: &str, key: Option<&KeyPair>, tree: &Tree) -> Result<(), Failure> {
    let Some(key) = key else { return Ok(()) };
    let path = dir.join(file);
    let shown = path.display();
    let f = std::fs::File::open(&path)
        .map_err(|e| Failure::io(msg!("无法读取 {shown}：{e}", "cannot read {shown}: {e}")))?;
    let hash = prehash(std::io::BufReader::new(f))
        .map_err(|e| Failure::io(msg!("无法读取 {shown}：{e}", "cannot read {shown}: {e}")))?;
    let comment = package_comment(file, &tree.documents.as_of.to_string());
    let sig = dir.join(format!("{file}.minisig"));
    std::fs::write(&sig, key.sign_prehashed(&hash, &comment)).map_err(|e| {
        let shown = sig.display();
        Failure::io(msg!("无法写出签名 {shown}：{e}", "cannot write the signature {shown}: {e}"))
    })
}

/// The trusted comment of a package's signature: what the signer vouches for besides its bytes.
pub(crate) fn package_comment(file: &str, as_of: &str) -> String {
    format!("gongbao package; file:{file}; as_of:{as_of}")
}

/// Held from reading the transfer register until its last entry is appended: two `package` runs
/// at once (`make -j`, parallel CI jobs) would otherwise both read the same last entry and
/// give their packages one number, and the register would refuse every later run. A second run
/// waits for the first.
fn lock_register(root: &Path, cfg: &Config) -> Result<std::fs::File, Failure> {
    let fail = |e: &dyn std::fmt::Display| {
        Failure::io(msg!(
            "无法在 .gongbao/locks/ 中锁定移交登记：{e}",
            "cannot lock the transfer register in .gongbao/locks/: {e}"
        ))
    };
    let dir = root.join(".gongbao").join("locks");
    std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("transfers.lock"))
        .map_err(|e| fail(&e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let waiting = msg!(
                "另一个 gongbao package 正在登记移交，等它完成……",
                "another gongbao package is recording a transfer; waiting for it…"
            );
            eprintln!("{}", waiting.get(cfg.lang()));
            file.lock().map_err(|e| fail(&e))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(fail(&e)),
    }
    Ok(file)
}

/// Compares a new package with the register and appends it unless an identical one is there;
/// returns the line to print.
fn record(
    register: &mut Vec<Transfer>,
    path: &Path,
    mut entry: Transfer,
    files: &str,
    count: usize,
) -> Result<Msg, Failure> {
    entry.number = register.last().map_or(1, |t| t.number + 1);
    let said = match transfer::compare(register, &entry) {
        Comparison::Identical(n) => {
            return Ok(msg!(
                "{files}：与移交登记第 {n} 号完全相同，未重复登记",
                "{files}: identical to entry {n} of the transfer register; not recorded again"
            ));
        }
        Comparison::New => {
            let n = entry.number;
            msg!("已制作 {files}（{count} 件），登记为第 {n} 号", "made {files} ({count} items), recorded as entry {n}")
        }
        Comparison::Changed { number, added, removed, changed } => {
            let (a, r, c) = (added.join(" "), removed.join(" "), changed.join(" "));
            let n = entry.number;
            msg!(
                "已制作 {files}（{count} 件），登记为第 {n} 号；与第 {number} 号相比：新增 [{a}]，移除 [{r}]，改动 [{c}]",
                "made {files} ({count} items), recorded as entry {n}; since entry {number}: added [{a}], removed [{r}], changed [{c}]"
            )
        }
    };
    let mut line = serde_json::to_string(&entry).map_err(|e| Failure::io(msg!("{e}", "{e}")))?;
    line.push('\n');
    let shown = path.display();
    crate::source::append_lines(path, &line).map_err(|e| {
        Failure::io(msg!("无法写入移交登记 {shown}：{e}", "cannot write the transfer register {shown}: {e}"))
    })?;
    register.push(entry);
    Ok(said)
}

/// Writes the WARC file of the whole sealed site; returns its size and SHA-256.
fn write_warc(tree: &Tree, tree_dir: &Path, out: &Path, file: &str, cfg: &Config) -> Result<(u64, String), Failure> {
    let tmp = out.join(format!(".{file}.part"));
    let _scratch = crate::emit::interrupt::scratch(&tmp);
    let fail = |e: &dyn std::fmt::Display| {
        let _ = std::fs::remove_file(&tmp);
        Failure::io(msg!("无法写出 {file}：{e}", "cannot write {file}: {e}"))
    };
    let as_of = tree.documents.as_of.to_string();
    let epoch = match std::env::var_os("SOURCE_DATE_EPOCH") {
        Some(_) => epoch(None)?,
        None => Date::parse(&as_of).map(|d| d.to_days() * 86_400).unwrap_or(0),
    };
    let mut paths: Vec<(String, u64)> = tree.files().map(|(p, s, _)| (p.to_string(), s)).collect();
    for seal in [crate::seal::MANIFEST, crate::seal::SUMS] {
        let size = std::fs::metadata(tree_dir.join(seal)).map_err(|e| fail(&e))?.len();
        paths.push((seal.to_string(), size));
    }
    paths.sort();
    let handle = std::fs::File::create(&tmp).map_err(|e| fail(&e))?;
    let software = format!("gongbao {}", env!("CARGO_PKG_VERSION"));
    let fields =
        [("software", software.as_str()), ("isPartOf", cfg.site.name.as_str()), ("description", "site as built")];
    let mut w = WarcOut::new(std::io::BufWriter::new(handle), &cfg.site.base_url, epoch, file, &fields)
        .map_err(|e| fail(&e))?;
    for (path, size) in &paths {
        let ctype = crate::route::media_type(path);
        w.add_response(path, ctype, *size, || tree.open_file(path)).map_err(|e| fail(&e))?;
    }
    let handle = w.finish().map_err(|e| fail(&e))?;
    let handle = handle.into_inner().map_err(|e| fail(&e))?;
    handle.sync_all().map_err(|e| fail(&e))?;
    let (bytes, sha) = plan::hash_file(&tmp).map_err(|e| fail(&e))?;
    plan::keep_earlier(&out.join(file), &sha).map_err(|e| fail(&e))?;
    std::fs::rename(&tmp, out.join(file)).map_err(|e| fail(&e))?;
    Ok((bytes, sha))
}
