//! Just enough XML for the S3 answers read here (`ListBucketResult`, `Error`): the text of
//! elements without attributes or nesting of the same name, with the five entities and
//! character references decoded.

/// The raw inner text of every `<tag>…</tag>` in `text`.
pub(crate) fn all<'a>(text: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        out.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    out
}

/// The decoded text of the first `<tag>…</tag>` in `text`.
pub(crate) fn first(text: &str, tag: &str) -> Option<String> {
    all(text, tag).first().map(|t| unescape(t))
}

/// Decodes `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` and `&#N;` `&#xH;`; anything else is kept.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..end];
        let ch = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| name.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_listing() {
        let page = r#"<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated>
            <Contents><Key>a&amp;b/&#20844;.html</Key><ETag>&quot;9b2c&quot;</ETag><Size>12</Size></Contents>
            <Contents><Key>c</Key><Size>0</Size></Contents>
            <NextContinuationToken>tok/=</NextContinuationToken></ListBucketResult>"#;
        let contents = all(page, "Contents");
        assert_eq!(contents.len(), 2);
        assert_eq!(first(contents[0], "Key").unwrap(), "a&b/公.html");
        assert_eq!(first(contents[0], "ETag").unwrap(), "\"9b2c\"");
        assert_eq!(first(contents[1], "ETag"), None);
        assert_eq!(first(page, "NextContinuationToken").unwrap(), "tok/=");
        assert_eq!(unescape("a & b &bogus; &#xZZ;"), "a & b &bogus; &#xZZ;");
    }
}
