//! `gongbao verify PATH`: is this copy of a site exactly what was sealed?

use super::{EXIT_ERRORS, EXIT_FAILURE, Failure, report};
use crate::model::rules;
use crate::msg;
use crate::seal::minisign::PublicKey;
use crate::seal::verify::{Report, verify};
use crate::source::shown_path;
use std::path::Path;

/// Verifies `path`, with the signature when `pubkey` names a public key file; a failure to
/// verify at all is told in the language of the site at `site`. Returns the exit code.
pub fn run(path: &Path, pubkey: Option<&Path>, site: &Path) -> u8 {
    let shown = path.to_string_lossy();
    if ["s3://", "https://", "http://"].iter().any(|p| shown.starts_with(p)) {
        return match super::deploy::download(site, &shown) {
            Ok(copy) => {
                let code = match check(copy.path(), pubkey) {
                    Ok((report, key)) => print(path, &report, key),
                    Err(f) => report(&f, site),
                };
                drop(copy);
                code
            }
            Err(f) => report(&f, site),
        };
    }
    if path.is_file() {
        return match check_package(path, pubkey) {
            Ok(code) => code,
            Err(f) => report(&f, site),
        };
    }
    match check(path, pubkey) {
        Ok((report, key)) => print(path, &report, key),
        Err(f) => report(&f, site),
    }
}

/// Reads the public key file named by `--pubkey`, if any.
pub(crate) fn read_key(pubkey: Option<&Path>) -> Result<Option<PublicKey>, Failure> {
    Ok(match pubkey {
        None => None,
        Some(p) => {
            let shown = p.display();
            let help = || msg!("用 gongbao keygen 生成的 gongbao.pub", "name a gongbao.pub made by gongbao keygen");
            let fail = |m| Failure::new(&rules::SIGNING_KEY, EXIT_FAILURE, m).help(help());
            let text = std::fs::read_to_string(p)
                .map_err(|e| fail(msg!("无法读取公钥 {shown}：{e}", "cannot read the public key {shown}: {e}")))?;
            Some(
                PublicKey::parse(&text)
                    .map_err(|e| fail(msg!("{shown} 不是有效的公钥：{e}", "{shown} is not a valid public key: {e}")))?,
            )
        }
    })
}

/// Reads the key and checks the folder; the report and whether a key was given.
fn check(path: &Path, pubkey: Option<&Path>) -> Result<(Report, bool), Failure> {
    let key = read_key(pubkey)?;
    let report = verify(path, key.as_ref()).map_err(|e| {
        // A manifest that is there but cannot be read as one is a copy that fails its check
        // (exit 1), not a wrong argument (exit 2).
        if std::fs::symlink_metadata(path.join(crate::seal::MANIFEST)).is_ok() {
            return Failure::new(&rules::CHANGED, EXIT_ERRORS, msg!("核验失败：{e}", "verification failed: {e}")).help(
                msg!(
                    "这份副本的 manifest.json 已损坏或被改动：从它的来源重新取得副本",
                    "the copy's manifest.json is damaged or was altered: get the copy again from its source"
                ),
            );
        }
        Failure::io(msg!("无法核验：{e}", "cannot verify: {e}")).help(msg!(
            "给出 gongbao build 的输出目录（其中有 manifest.json）",
            "name the output folder of a build (it holds manifest.json)"
        ))
    })?;
    Ok((report, key.is_some()))
}

/// Prints the report, in both languages, on stdout; returns the exit code.
fn print(path: &Path, report: &Report, key: bool) -> u8 {
    for (label, list) in [
        ("缺失 missing", &report.missing),
        ("新增 added", &report.added),
        ("改动 changed", &report.changed),
        ("封存 seal", &report.seal),
    ] {
        for f in list {
            println!("{label}: {}", shown_path(f));
        }
    }
    for f in &report.irregular {
        println!("改动 changed: {}（不是普通文件，未读取 / not a regular file, not read）", shown_path(f));
    }
    match &report.signed {
        Some(c) => println!("签名有效 / signature ok: {c}"),
        None => {
            // Without a checked signature, the lists vouch only for themselves: whoever changed
            // a file could have rewritten them too.
            println!(
                "未认证：没有用公钥核验签名，只检查了目录与它自带的清单是否一致，不能证明它出自发布机关 / not authenticated: no signature was checked against a public key; only the folder's agreement with its own lists was checked, which proves nothing about who made it"
            );
            if !key && path.join(crate::seal::SIGNATURE).exists() {
                println!("有签名但未核验（用 --pubkey 指定公钥）/ signature present, not checked (give --pubkey)");
            }
        }
    }
    if report.clean() {
        println!("核验通过：{} 个文件与清单一致 / verified: {} files match the manifest", report.ok, report.ok);
        0
    } else {
        let n = report.problems();
        println!("核验失败：{n} 处不一致 / verification failed: {n} problem(s)");
        EXIT_ERRORS
    }
}

/// Checks a package zip made by `gongbao package`: the bag (every manifest and tag manifest line,
/// no file unlisted or missing, Payload-Oxum) and, with a key, its signature `PACKAGE.minisig`.
/// Prints the findings; returns the exit code.
fn check_package(path: &Path, pubkey: Option<&Path>) -> Result<u8, Failure> {
    let key = read_key(pubkey)?;
    let shown = path.display();
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|e| Failure::io(msg!("无法读取 {shown}：{e}", "cannot read {shown}: {e}")))
    };
    // A web archive (`package --warc`) is no bag: said so, rather than called a damaged one.
    let mut magic = [0u8; 5];
    let n = std::io::Read::read(&mut open()?, &mut magic).unwrap_or(0);
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let gzip = magic[..n].starts_with(&[0x1f, 0x8b]);
    if magic[..n].starts_with(b"WARC/") || (gzip && (name.ends_with(".warc.gz") || name.ends_with(".warc"))) {
        return Err(Failure::io(msg!(
            "{shown} 是 WARC 网页档案，不是 zip 移交包：gongbao verify 核验网站目录和 zip 移交包",
            "{shown} is a WARC web archive, not a zip package: gongbao verify checks site folders and zip packages"
        ))
        .help(msg!(
            "用 warcio check 核对每条记录的摘要；它的签名用 minisign -Vm 文件 -p gongbao.pub 核验",
            "check each record's digests with warcio check; check its signature with minisign -Vm FILE -p gongbao.pub"
        )));
    }
    let bag = crate::package::bagit::verify(open()?, crate::package::zip::Limits::default()).map_err(|e| {
        Failure::new(
            &rules::CHANGED,
            EXIT_ERRORS,
            msg!("{shown} 不是可读的移交包：{e}", "{shown} is not a readable package: {e}"),
        )
    })?;
    for p in &bag.problems {
        println!("问题 problem: {}", shown_path(&p.to_string()));
    }
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let sig_path = path.with_file_name(format!("{file}.minisig"));
    let mut bad_signature = false;
    match key {
        Some(key) => {
            let sig = std::fs::read_to_string(&sig_path).map_err(|e| {
                let s = sig_path.display();
                Failure::new(
                    &rules::CHANGED,
                    EXIT_ERRORS,
                    msg!("无法读取签名 {s}：{e}", "cannot read the signature {s}: {e}"),
                )
            })?;
            let hash = crate::seal::minisign::prehash(open()?)
                .map_err(|e| Failure::io(msg!("无法读取 {shown}：{e}", "cannot read {shown}: {e}")))?;
            match key.verify_prehashed(&hash, &sig) {
                Ok(comment) if comment.starts_with(&format!("gongbao package; file:{file};")) => {
                    println!("签名有效 / signature ok: {comment}")
                }
                Ok(comment) => {
                    bad_signature = true;
                    println!("签名属于另一个文件 / the signature is for another file: {comment}");
                }
                Err(e) => {
                    bad_signature = true;
                    println!("签名无效 / signature not valid: {e}");
                }
            }
        }
        None => {
            println!(
                "未认证：没有用公钥核验签名，只检查了包与它自带的清单是否一致 / not authenticated: no signature was checked against a public key; only the package's agreement with its own manifests was checked"
            );
            if sig_path.exists() {
                // A signature cut short or mangled is told without the key, as for a site.
                let read = std::fs::read_to_string(&sig_path).map_err(|e| e.to_string());
                match read.and_then(|text| crate::seal::minisign::well_formed(&text)) {
                    Ok(()) => println!(
                        "有签名但未核验（用 --pubkey 指定公钥）/ signature present, not checked (give --pubkey)"
                    ),
                    Err(e) => {
                        bad_signature = true;
                        println!("签名文件损坏 / the signature file is damaged: {}: {e}", sig_path.display());
                    }
                }
            }
        }
    }
    if bag.is_valid() && !bad_signature {
        let (n, b) = (bag.payload_files, bag.payload_bytes);
        println!("核验通过：{n} 个文件（{b} 字节）与清单一致 / verified: {n} files ({b} bytes) match the manifests");
        Ok(0)
    } else {
        let n = bag.problems.len() + usize::from(bad_signature);
        println!("核验失败：{n} 处问题 / verification failed: {n} problem(s)");
        Ok(EXIT_ERRORS)
    }
}
