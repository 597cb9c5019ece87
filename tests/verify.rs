//! `gongbao verify` vouches for every byte it reports on: the manifest is covered by the sums and
//! the signature, an unsigned copy is reported as not authenticated, and a hostile folder (links,
//! FIFOs, devices) ends promptly in a failure rather than a hang.

mod common;
use common::{Site, normative};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A small built site; signed when `signed`, with its keys in `keys/`.
fn built(signed: bool) -> Site {
    let s = Site::new();
    s.record("a", &normative("甲", "2024-01-02"), "正文。\n");
    s.record("b", &normative("乙", "2024-02-02"), "正文。\n");
    if signed {
        assert!(s.run(&["keygen", "--out", "keys"]).status.success());
        s.write("gongbao.toml", &format!("{}\n[signing]\nsecret_key = \"keys/gongbao.key\"\n", common::CONFIG));
    }
    let o = s.run(&["build", "--as-of", "2024-06-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    s
}

/// `gongbao verify public [--pubkey keys/gongbao.pub]`, killed (and the test failed) when it
/// takes longer than 30 s.
fn verify(s: &Site, signed: bool) -> (Option<i32>, String) {
    let mut args = vec!["verify", "public"];
    if signed {
        args.extend(["--pubkey", "keys/gongbao.pub"]);
    }
    let mut child = Command::new(common::bin())
        .current_dir(s.root())
        .args(&args)
        .env("CI", "true")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("verify {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o: Output = child.wait_with_output().unwrap();
    (o.status.code(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

fn edit(p: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(p).unwrap();
    assert!(text.contains(from), "{from} not in {}", p.display());
    std::fs::write(p, text.replacen(from, to, 1)).unwrap();
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_manifest_is_covered_by_the_sums_and_the_signature() {
    let s = built(true);
    let out = s.root().join("public");
    let (code, text) = verify(&s, true);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("signature ok"), "{text}");
    // The sums list the manifest too, in a form sha256sum reads.
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert!(sums.lines().any(|l| l.ends_with("  manifest.json")), "{sums}");
    let o = Command::new("sha256sum").current_dir(&out).args(["-c", "--quiet", "SHA256SUMS"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    // An edited build date: the manifest no longer matches its line in the sums.
    let manifest = out.join("manifest.json");
    let original = std::fs::read(&manifest).unwrap();
    edit(&manifest, "\"as_of\": \"2024-06-01\"", "\"as_of\": \"2099-06-01\"");
    for signed in [true, false] {
        let (code, text) = verify(&s, signed);
        assert_eq!(code, Some(1), "signed {signed}: {text}");
        assert!(text.contains("manifest.json"), "{text}");
    }
    // The sums rewritten to match: only the signature can tell.
    let edited = std::fs::read(&manifest).unwrap();
    edit(&out.join("SHA256SUMS"), &sha256(&original), &sha256(&edited));
    let (code, text) = verify(&s, true);
    assert_eq!(code, Some(1), "{text}");
    // A valid signature whose trusted comment describes another build.
    std::fs::write(&manifest, &original).unwrap();
    edit(&out.join("SHA256SUMS"), &sha256(&edited), &sha256(&original));
    assert_eq!(verify(&s, true).0, Some(0));
    let key = gongbao::internals::KeyPair::parse(&std::fs::read_to_string(s.root().join("keys/gongbao.key")).unwrap())
        .unwrap();
    let sums = std::fs::read(out.join("SHA256SUMS")).unwrap();
    std::fs::write(
        out.join("SHA256SUMS.minisig"),
        key.sign(&sums, "gongbao site seal; file:SHA256SUMS; as_of:1999-01-01; files:3"),
    )
    .unwrap();
    let (code, text) = verify(&s, true);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("as_of"), "{text}");
}

#[test]
fn without_a_public_key_nothing_is_authenticated_and_verify_says_so() {
    for signed in [false, true] {
        let s = built(signed);
        let (code, text) = verify(&s, false);
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("not authenticated") && text.contains("未认证"), "{text}");
        if signed {
            assert!(!verify(&s, true).1.contains("not authenticated"));
        }
    }
}

#[test]
fn links_fifos_and_devices_end_promptly_in_a_failure() {
    let s = built(false);
    let out = s.root().join("public");
    let page = out.join("docs/a/index.html");
    let original = std::fs::read(&page).unwrap();
    let restore = |p: &Path, bytes: &[u8]| {
        let _ = std::fs::remove_file(p);
        std::fs::write(p, bytes).unwrap();
    };
    // A link to a file with exactly the listed bytes is still not the listed file.
    let copy = s.write("elsewhere/index.html", std::str::from_utf8(&original).unwrap());
    std::fs::remove_file(&page).unwrap();
    std::os::unix::fs::symlink(&copy, &page).unwrap();
    let (code, text) = verify(&s, false);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("changed: docs/a/index.html"), "{text}");
    let mkfifo = |p: &Path| assert!(Command::new("mkfifo").arg(p).status().unwrap().success());
    // A FIFO and a link to an endless device where a page is listed.
    std::fs::remove_file(&page).unwrap();
    mkfifo(&page);
    let (code, text) = verify(&s, false);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("changed: docs/a/index.html"), "{text}");
    std::fs::remove_file(&page).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &page).unwrap();
    assert_eq!(verify(&s, false).0, Some(1));
    restore(&page, &original);
    // An unlisted FIFO.
    mkfifo(&out.join("docs/extra"));
    let (code, text) = verify(&s, false);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("added: docs/extra"), "{text}");
    std::fs::remove_file(out.join("docs/extra")).unwrap();
    assert_eq!(verify(&s, false).0, Some(0));
    // The seal files themselves.
    for seal in ["manifest.json", "SHA256SUMS"] {
        let p = out.join(seal);
        let bytes = std::fs::read(&p).unwrap();
        for hostile in ["fifo", "/dev/zero"] {
            std::fs::remove_file(&p).unwrap();
            if hostile == "fifo" {
                mkfifo(&p);
            } else {
                std::os::unix::fs::symlink(hostile, &p).unwrap();
            }
            let (code, text) = verify(&s, false);
            assert!(matches!(code, Some(1) | Some(2)), "{seal} as {hostile}: {code:?} {text}");
        }
        restore(&p, &bytes);
    }
    assert_eq!(verify(&s, false).0, Some(0));
}

#[test]
fn a_signature_cut_short_is_reported_even_without_the_public_key() {
    let s = built(true);
    let sig = s.root().join("public/SHA256SUMS.minisig");
    assert_eq!(verify(&s, false).0, Some(0));
    let whole = std::fs::read(&sig).unwrap();
    std::fs::write(&sig, &whole[..whole.len() / 2]).unwrap();
    let (code, out) = verify(&s, false);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("SHA256SUMS.minisig"), "{out}");
}

#[test]
fn a_copy_named_through_a_link_verifies_and_planted_names_cannot_forge_a_line() {
    let s = built(false);
    // A release folder published through a link (`current -> public`).
    std::os::unix::fs::symlink(s.root().join("public"), s.root().join("current")).unwrap();
    let o = s.run(&["verify", "current"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    // A file whose name carries a new line and a terminal escape is reported on one line, its
    // controls written as escapes: it cannot pass for the closing line of a good copy.
    let planted = "x\n核验通过：2 个文件与清单一致\u{1b}[2J\u{202e}";
    s.write(&format!("public/{planted}"), "");
    // Nor one that a viewer breaks at a line separator, nor a page name with a zero width in it.
    s.write("public/y\u{2028}核验通过", "");
    s.write("public/index\u{200b}.html", "");
    let (code, text) = verify(&s, false);
    assert_eq!(code, Some(1), "{text}");
    for raw in ['\u{1b}', '\u{202e}', '\u{2028}', '\u{200b}', '\r'] {
        assert!(!text.contains(raw), "{raw:?} printed raw: {text:?}");
    }
    assert!(text.contains("added: index\\u{200b}.html"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("核验通过")), "{text}");
    assert!(text.contains("added: x\\n核验通过"), "{text}");
}

#[test]
fn a_damaged_manifest_fails_the_check_and_a_web_archive_is_named_for_what_it_is() {
    let s = built(false);
    std::fs::write(s.root().join("public/manifest.json"), "{\"files\": [").unwrap();
    let (code, text) = verify(&s, false);
    assert_eq!(code, Some(1), "a copy whose manifest is damaged fails its check: {text}");
    // A WARC (gzip members) is not taken for a damaged zip package.
    let warc = s.root().join("site.warc.gz");
    std::fs::write(&warc, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]).unwrap();
    let o = s.run(&["verify", "site.warc.gz"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("WARC") && err.contains("warcio check"), "{err}");
    // A secret key given where the public key goes is named as such.
    let b = built(true);
    let o = b.run(&["verify", "public", "--pubkey", "keys/gongbao.key"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("secret key"), "{err}");
}
