//! `gongbao verify PATH`: is this copy of a site exactly what was sealed?

use super::{EXIT_ERRORS, EXIT_FAILURE};
use crate::seal::minisign::PublicKey;
use crate::seal::verify::verify;
use std::path::Path;

/// Verifies `path`, with the signature when `pubkey` names a public key file; returns the exit code.
pub fn run(path: &Path, pubkey: Option<&Path>) -> u8 {
    let key = match pubkey.map(|p| {
        std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display())).and_then(|t| PublicKey::parse(&t))
    }) {
        None => None,
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            eprintln!("{e}");
            return EXIT_FAILURE;
        }
    };
    let report = match verify(path, key.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法核验 / cannot verify: {e}");
            return EXIT_FAILURE;
        }
    };
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
            if key.is_none() && path.join(crate::seal::SIGNATURE).exists() {
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
