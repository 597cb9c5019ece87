//! `gongbao verify PATH`: is this copy of a site exactly what was sealed?

use super::{EXIT_ERRORS, EXIT_FAILURE, Failure, report};
use crate::model::rules;
use crate::msg;
use crate::seal::minisign::PublicKey;
use crate::seal::verify::{Report, verify};
use std::path::Path;

/// Verifies `path`, with the signature when `pubkey` names a public key file; a failure to
/// verify at all is told in the language of the site at `site`. Returns the exit code.
pub fn run(path: &Path, pubkey: Option<&Path>, site: &Path) -> u8 {
    match check(path, pubkey) {
        Ok((report, key)) => print(path, &report, key),
        Err(f) => report(&f, site),
    }
}

/// Reads the key and checks the folder; the report and whether a key was given.
fn check(path: &Path, pubkey: Option<&Path>) -> Result<(Report, bool), Failure> {
    let key = match pubkey {
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
    };
    let report = verify(path, key.as_ref()).map_err(|e| {
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
            println!("{label}: {f}");
        }
    }
    for f in &report.irregular {
        println!("改动 changed: {f}（不是普通文件，未读取 / not a regular file, not read）");
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
