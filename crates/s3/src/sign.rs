//! AWS Signature Version 4 for S3: the canonical request, the string to sign, the signing key
//! derived from the secret, and the `Authorization` header. The secret never leaves
//! [`signing_key`].

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The moment of a request, as SigV4 writes it.
pub(crate) struct AmzDate {
    /// `YYYYMMDD`.
    pub(crate) day: String,
    /// `YYYYMMDDTHHMMSSZ`.
    pub(crate) stamp: String,
}

impl AmzDate {
    /// Now, in UTC.
    pub(crate) fn now() -> AmzDate {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        AmzDate::at(secs)
    }

    /// `secs` after 1970-01-01 00:00:00 UTC.
    pub(crate) fn at(secs: u64) -> AmzDate {
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (y, m, d) = civil(days as i64);
        let day = format!("{y:04}{m:02}{d:02}");
        let stamp = format!("{day}T{:02}{:02}{:02}Z", rest / 3600, rest / 60 % 60, rest % 60);
        AmzDate { day, stamp }
    }
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// SigV4's URI encoding: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX`, and `/` too unless
/// `keep_slash` (object keys keep their slashes, query values do not).
pub(crate) fn encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (b == b'/' && !encode_slash) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query string, parameters sorted by name and encoded; the same string is sent.
pub(crate) fn canonical_query(params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params.iter().map(|(k, v)| (encode(k, true), encode(v, true))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// What is signed of a request.
pub(crate) struct Canonical<'a> {
    pub(crate) method: &'a str,
    /// The path as sent (already encoded).
    pub(crate) path: &'a str,
    /// The query as sent.
    pub(crate) query: &'a str,
    /// Every header sent, with lower-case names.
    pub(crate) headers: &'a [(String, String)],
    /// Hex SHA-256 of the body.
    pub(crate) payload: &'a str,
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The key that signs requests of `day` in `region`.
fn signing_key(secret: &str, day: &str, region: &str) -> Vec<u8> {
    let k = hmac(format!("AWS4{secret}").as_bytes(), day.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, b"s3");
    hmac(&k, b"aws4_request")
}

/// The `Authorization` header of the request `c` made at `when`.
pub(crate) fn authorization(c: &Canonical<'_>, when: &AmzDate, region: &str, access_key: &str, secret: &str) -> String {
    let (request, signed) = canonical_request(c);
    let scope = format!("{}/{region}/s3/aws4_request", when.day);
    let to_sign = format!("AWS4-HMAC-SHA256\n{}\n{scope}\n{}", when.stamp, hex(&Sha256::digest(request.as_bytes())));
    let signature = hex(&hmac(&signing_key(secret, &when.day, region), to_sign.as_bytes()));
    format!("AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}")
}

/// The canonical request and the list of signed headers.
fn canonical_request(c: &Canonical<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = c
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.split_whitespace().collect::<Vec<_>>().join(" ")))
        .collect();
    headers.sort();
    let lines: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed = headers.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    (format!("{}\n{}\n{}\n{lines}\n{signed}\n{}", c.method, c.path, c.query, c.payload), signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_the_calendars() {
        assert_eq!(AmzDate::at(0).stamp, "19700101T000000Z");
        // 2013-05-24T00:00:00Z, the day of AWS's own SigV4 examples.
        assert_eq!(AmzDate::at(1_369_353_600).stamp, "20130524T000000Z");
        assert_eq!(AmzDate::at(951_782_400 + 3661).stamp, "20000229T010101Z");
    }

    /// AWS's documented example "GET Object" (Signature Version 4, S3), signed with the example
    /// key of its documentation; the expected signature is the one the documentation gives.
    #[test]
    fn signs_the_documented_get_object_example() {
        let when = AmzDate::at(1_369_353_600);
        let empty = hex(&Sha256::digest(b""));
        let headers = vec![
            ("host".to_string(), "examplebucket.s3.amazonaws.com".to_string()),
            ("range".to_string(), "bytes=0-9".to_string()),
            ("x-amz-content-sha256".to_string(), empty.clone()),
            ("x-amz-date".to_string(), when.stamp.clone()),
        ];
        let c = Canonical { method: "GET", path: "/test.txt", query: "", headers: &headers, payload: &empty };
        let auth =
            authorization(&c, &when, "us-east-1", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
             Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn keys_keep_slashes_and_query_values_do_not() {
        assert_eq!(encode("docs/公 a~b.html", false), "docs/%E5%85%AC%20a~b.html");
        assert_eq!(encode("a/b", true), "a%2Fb");
        let q = canonical_query(&[("prefix".into(), "site/".into()), ("list-type".into(), "2".into())]);
        assert_eq!(q, "list-type=2&prefix=site%2F");
    }
}
