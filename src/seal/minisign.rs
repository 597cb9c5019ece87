//! Detached signatures in minisign's format, so that anyone can check a site with the stock
//! `minisign -V` tool. Ed25519 over the BLAKE2b-512 hash of the file ("ED", minisign's default),
//! plus the global signature that binds the trusted comment.
//!
//! The public key file is minisign's own. The secret key file is gongbao's: the Ed25519 seed in
//! the same base64 framing, unencrypted, because pipelines read it from a secret store.

use blake2::{Blake2b512, Digest};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// A key pair.
pub struct KeyPair {
    id: [u8; 8],
    key: SigningKey,
}

/// A public key.
pub struct PublicKey {
    id: [u8; 8],
    key: VerifyingKey,
}

impl KeyPair {
    /// A new key pair from the operating system's random source.
    pub fn generate() -> std::io::Result<KeyPair> {
        let mut bytes = [0u8; 40];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes[..32]);
        let mut id = [0u8; 8];
        id.copy_from_slice(&bytes[32..]);
        Ok(KeyPair { id, key: SigningKey::from_bytes(&seed) })
    }

    /// The secret key file's text.
    pub fn secret_file(&self) -> String {
        let mut raw = b"Ed".to_vec();
        raw.extend_from_slice(&self.id);
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "untrusted comment: gongbao secret key {}; keep it out of the repository and the site\n{}\n",
            key_id_hex(&self.id),
            base64(&raw)
        )
    }

    /// Reads a secret key file's text (or just its base64 line).
    pub fn parse(text: &str) -> Result<KeyPair, String> {
        let line = key_line(text);
        let raw = unbase64(line).ok_or("the secret key is not valid base64")?;
        if raw.len() != 42 || &raw[..2] != b"Ed" {
            return Err("this is not a gongbao secret key (made by `gongbao keygen`)".into());
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&raw[2..10]);
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&raw[10..42]);
        Ok(KeyPair { id, key: SigningKey::from_bytes(&seed) })
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey { id: self.id, key: self.key.verifying_key() }
    }

    /// A minisign signature file for `data`.
    pub fn sign(&self, data: &[u8], trusted_comment: &str) -> String {
        self.sign_prehashed(&Blake2b512::digest(data).into(), trusted_comment)
    }

    /// A minisign signature file for a file whose BLAKE2b-512 is `hash` (see [`prehash`]), so
    /// that a package of gigabytes is signed without being held in memory.
    pub fn sign_prehashed(&self, hash: &[u8; 64], trusted_comment: &str) -> String {
        let sig = self.key.sign(hash);
        let mut raw = b"ED".to_vec();
        raw.extend_from_slice(&self.id);
        raw.extend_from_slice(&sig.to_bytes());
        let mut global = sig.to_bytes().to_vec();
        global.extend_from_slice(trusted_comment.as_bytes());
        let global = self.key.sign(&global);
        format!(
            "untrusted comment: signature from gongbao secret key {}\n{}\ntrusted comment: {trusted_comment}\n{}\n",
            key_id_hex(&self.id),
            base64(&raw),
            base64(&global.to_bytes())
        )
    }
}

impl PublicKey {
    /// The public key file's text, as minisign writes it.
    pub fn file(&self) -> String {
        let mut raw = b"Ed".to_vec();
        raw.extend_from_slice(&self.id);
        raw.extend_from_slice(self.key.as_bytes());
        format!("untrusted comment: minisign public key {}\n{}\n", key_id_hex(&self.id), base64(&raw))
    }

    /// Reads a minisign public key file (or just its base64 line).
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        // A secret key has the same shape (an id and 32 bytes): only its comment tells it apart,
        // and checking with it would only say that no signature matches.
        if text
            .lines()
            .any(|l| l.trim_start_matches('\u{feff}').starts_with("untrusted comment:") && l.contains("secret key"))
        {
            return Err(
                "this is a secret key, not a public key: give the .pub file made beside it (gongbao.pub), and keep the secret key out of reach".into(),
            );
        }
        let raw = unbase64(key_line(text)).ok_or("the public key is not valid base64")?;
        if raw.len() != 42 || &raw[..2] != b"Ed" {
            return Err("this is not a minisign public key".into());
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&raw[2..10]);
        let mut pk = [0u8; 32];
        pk.copy_from_slice(&raw[10..]);
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| "the public key is not a valid Ed25519 key".to_string())?;
        Ok(PublicKey { id, key })
    }

    /// Checks a minisign signature file against `data`; returns the trusted comment.
    pub fn verify(&self, data: &[u8], sig_file: &str) -> Result<String, String> {
        self.verify_with(Some(data), &Blake2b512::digest(data).into(), sig_file)
    }

    /// [`PublicKey::verify`] for a file read as a stream: `hash` is its BLAKE2b-512 (see
    /// [`prehash`]). Only prehashed (`ED`) signatures, the kind gongbao and minisign write, can be
    /// checked this way.
    pub fn verify_prehashed(&self, hash: &[u8; 64], sig_file: &str) -> Result<String, String> {
        self.verify_with(None, hash, sig_file)
    }

    fn verify_with(&self, data: Option<&[u8]>, hash: &[u8; 64], sig_file: &str) -> Result<String, String> {
        let mut lines = sig_file.lines().filter(|l| !l.trim().is_empty());
        let (_untrusted, sig_line, trusted, global_line) = (lines.next(), lines.next(), lines.next(), lines.next());
        let raw = sig_line.and_then(|l| unbase64(l.trim())).ok_or("the signature file is malformed")?;
        if raw.len() != 74 {
            return Err("the signature file is malformed".into());
        }
        if raw[2..10] != self.id {
            return Err(format!(
                "signed with key {}, not with this public key {}",
                key_id_hex(&raw[2..10]),
                key_id_hex(&self.id)
            ));
        }
        let sig = Signature::from_slice(&raw[10..]).map_err(|_| "the signature is malformed".to_string())?;
        let ok = match &raw[..2] {
            b"ED" => self.key.verify(hash, &sig),
            b"Ed" => match data {
                Some(data) => self.key.verify(data, &sig),
                None => {
                    return Err("a legacy signature (minisign -l, not prehashed): gongbao checks prehashed signatures of packages; check this one with minisign -V".into());
                }
            },
            _ => return Err("unknown signature algorithm".into()),
        };
        ok.map_err(|_| "the signature does not match the file".to_string())?;
        let comment =
            trusted.and_then(|t| t.strip_prefix("trusted comment: ")).ok_or("the trusted comment is missing")?;
        let global = global_line
            .and_then(|l| unbase64(l.trim()))
            .and_then(|g| Signature::from_slice(&g).ok())
            .ok_or("the global signature is malformed")?;
        let mut signed = raw[10..].to_vec();
        signed.extend_from_slice(comment.as_bytes());
        self.key.verify(&signed, &global).map_err(|_| "the trusted comment has been altered".to_string())?;
        Ok(comment.to_string())
    }
}

/// Whether `sig_file` has the shape of a minisign signature (its lines, the lengths of the
/// signature and global signature, a known algorithm), which can be told without the public key:
/// a signature cut short or mangled is found even when nobody gave the key.
pub(crate) fn well_formed(sig_file: &str) -> Result<(), String> {
    let mut lines = sig_file.lines().filter(|l| !l.trim().is_empty());
    let (untrusted, sig_line, trusted, global_line) = (lines.next(), lines.next(), lines.next(), lines.next());
    if !untrusted.is_some_and(|l| l.starts_with("untrusted comment: ")) {
        return Err("the signature file is malformed".into());
    }
    let raw = sig_line.and_then(|l| unbase64(l.trim())).ok_or("the signature file is malformed")?;
    if raw.len() != 74 || !matches!(&raw[..2], b"ED" | b"Ed") {
        return Err("the signature file is malformed".into());
    }
    if !trusted.is_some_and(|t| t.starts_with("trusted comment: ")) {
        return Err("the trusted comment is missing".into());
    }
    match global_line.and_then(|l| unbase64(l.trim())) {
        Some(g) if g.len() == 64 => Ok(()),
        _ => Err("the global signature is malformed".into()),
    }
}

/// The BLAKE2b-512 of everything `r` reads, for [`KeyPair::sign_prehashed`].
pub(crate) fn prehash(mut r: impl std::io::Read) -> std::io::Result<[u8; 64]> {
    let mut h = Blake2b512::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok(h.finalize().into());
        }
        h.update(&buf[..n]);
    }
}

fn key_line(text: &str) -> &str {
    text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("untrusted comment:")).unwrap_or("")
}

/// minisign shows key ids as the 8 bytes read as a little-endian number, in upper-case hex.
fn key_id_hex(id: &[u8]) -> String {
    id.iter().rev().map(|b| format!("{b:02X}")).collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Decodes standard base64; `None` on any character outside the alphabet or a bad length.
pub(crate) fn unbase64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (bits < 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..40u8 {
            let data: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(unbase64(&base64(&data)).unwrap(), data);
        }
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fo"), "Zm8=");
    }

    #[test]
    fn signs_and_verifies_and_catches_changes() {
        let k = KeyPair::generate().unwrap();
        let again = KeyPair::parse(&k.secret_file()).unwrap();
        let pk = PublicKey::parse(&again.public().file()).unwrap();
        let sig = k.sign(b"hello", "file:SHA256SUMS");
        assert_eq!(pk.verify(b"hello", &sig).unwrap(), "file:SHA256SUMS");
        assert!(pk.verify(b"hellO", &sig).is_err());
        let forged = sig.replace("file:SHA256SUMS", "file:OTHER");
        assert!(pk.verify(b"hello", &forged).unwrap_err().contains("altered"));
        let other = KeyPair::generate().unwrap().public();
        assert!(other.verify(b"hello", &sig).is_err());
    }

    #[test]
    fn a_signature_cut_short_is_malformed_without_the_key() {
        let sig = KeyPair::generate().unwrap().sign(b"hello", "file:SHA256SUMS");
        assert_eq!(well_formed(&sig), Ok(()));
        for cut in [sig.len() / 4, sig.len() / 2, sig.len() - 20] {
            assert!(well_formed(&sig[..cut]).is_err(), "{cut}");
        }
        assert!(well_formed("").is_err());
        assert!(well_formed(&sig.replacen("untrusted comment: ", "", 1)).is_err());
    }

    #[test]
    fn a_secret_key_given_as_the_public_key_is_named_as_such() {
        let pair = KeyPair::generate().unwrap();
        for text in [pair.secret_file(), format!("\n{}", pair.secret_file())] {
            let e = PublicKey::parse(&text).err().unwrap();
            assert!(e.contains("secret key"), "{e}");
        }
        assert!(PublicKey::parse(&pair.public().file()).is_ok());
    }
}
