//! The registry of rules: every rule id any stage reports, with its default severity, whether a
//! site may change it in `[rules]`, its family and a one-line description. Stages name a rule
//! through its constant (`rules::UNKNOWN_KEY`), so a misspelt id does not compile; `[rules]` is
//! validated against [`ALL`]; and a test holds the tables of the book's chapter on checks
//! (`book/src/checks.md`) to this list. Ids are part of the interface (sites name them in
//! `[rules]`, pipelines read them from `check --format json`): never rename one.

use crate::model::diag::Severity;
use std::fmt;

/// Groups of rules, in the order and under the headings of the book's chapter on checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Reading the files: can a file be read at all.
    Reading,
    /// Front matter and its keys.
    Keys,
    /// Document, index and registration numbers.
    Numbers,
    /// Dates, and the relations between records.
    DatesAndRelations,
    /// Rules for one kind of record (interpretations, drafts, gazette issues) and disclosure.
    Kinds,
    /// Earlier texts in `versions/`.
    Versions,
    /// The text and the files it links.
    TextAndFiles,
    /// The paths a build would write.
    Outputs,
    /// Failures of the tool or its surroundings rather than findings in the records.
    Tool,
}

impl Family {
    /// Every family, in the book's order.
    pub const ALL: [Family; 9] = [
        Family::Reading,
        Family::Keys,
        Family::Numbers,
        Family::DatesAndRelations,
        Family::Kinds,
        Family::Versions,
        Family::TextAndFiles,
        Family::Outputs,
        Family::Tool,
    ];

    /// The heading of the family's table in the book's chapter on checks.
    pub fn heading(self) -> &'static str {
        match self {
            Family::Reading => "读取文件",
            Family::Keys => "前置元数据和字段",
            Family::Numbers => "编号",
            Family::DatesAndRelations => "日期与关联",
            Family::Kinds => "各类记录",
            Family::Versions => "历史版本",
            Family::TextAndFiles => "正文与文件",
            Family::Outputs => "输出路径",
            Family::Tool => "检查之外的错误",
        }
    }
}

/// The severity a rule's findings have before the site's `[rules]` apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Every finding is an error.
    Error,
    /// Every finding is a warning.
    Warning,
    /// Some cases are errors and others warnings; the rule's description says which.
    Either,
}

impl Level {
    /// Whether a finding of this level may be raised with severity `s`.
    pub fn allows(self, s: Severity) -> bool {
        matches!((self, s), (Level::Either, _) | (Level::Error, Severity::Error) | (Level::Warning, Severity::Warning))
    }

    /// How the book's tables write it: `E`, `W` or `E / W`.
    pub fn short(self) -> &'static str {
        match self {
            Level::Error => "E",
            Level::Warning => "W",
            Level::Either => "E / W",
        }
    }
}

/// One rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable id, e.g. `unknown-key`.
    pub id: &'static str,
    /// Its family.
    pub family: Family,
    /// Its default severity.
    pub level: Level,
    /// Whether a site may make it a warning or turn it off in `[rules]`. Rules that guard the
    /// reading of a record, what may be published, or what a build can write may not: a record
    /// that cannot be read cannot be published.
    pub relaxable: bool,
    /// What it finds, in Chinese.
    pub zh: &'static str,
    /// What it finds, in English.
    pub en: &'static str,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id)
    }
}

/// The rule with id `id`.
pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// Declares each rule as a `static` and lists them all in [`ALL`], from one list.
macro_rules! rules {
    ($(
        $name:ident {
            id: $id:literal,
            family: $family:ident,
            level: $level:ident,
            relaxable: $relax:literal,
            zh: $zh:literal,
            en: $en:literal $(,)?
        }
    )*) => {
        $(
            #[doc = concat!("`", $id, "`: ", $en, ".")]
            pub static $name: Rule = Rule {
                id: $id,
                family: Family::$family,
                level: Level::$level,
                relaxable: $relax,
                zh: $zh,
                en: $en,
            };
        )*

        /// Every rule, by family.
        pub static ALL: &[&Rule] = &[$(&$name),*];

        /// Every rule with the name of its constant, for the test that each one is used.
        #[cfg(test)]
        static NAMED: &[(&str, &Rule)] = &[$((stringify!($name), &$name)),*];
    };
}

rules! {
    UNREADABLE {
        id: "unreadable", family: Reading, level: Error, relaxable: false,
        zh: "文件或目录无法读取，或不是普通文件（命名管道、设备、套接字）",
        en: "a file or folder cannot be read, or is not a regular file (a FIFO, device or socket)",
    }
    SYMLINK {
        id: "symlink", family: Reading, level: Error, relaxable: false,
        zh: "content/、themes/ 或其中的文件是符号链接",
        en: "content/, themes/ or a file in them is a symbolic link",
    }
    TOO_LARGE {
        id: "too-large", family: Reading, level: Error, relaxable: false,
        zh: "文件超过大小上限（记录 8 MiB，附件 256 MiB）",
        en: "a file is over the size limit (8 MiB for records, 256 MiB for attachments)",
    }
    FILE_NAME {
        id: "file-name", family: Reading, level: Error, relaxable: false,
        zh: "文件名含有控制字符、反斜杠或不是 UTF-8",
        en: "a file name holds a control character, a backslash or bytes that are not UTF-8",
    }
    NOT_A_RECORD {
        id: "not-a-record", family: Reading, level: Warning, relaxable: true,
        zh: "文件名像记录（.MD、.markdown 等），但只有以小写 .md 结尾的文件才作为记录读取",
        en: "a file named like a record (.MD, .markdown and the like) that is not read as one: only names ending in lowercase .md are",
    }
    ENCODING {
        id: "encoding", family: Reading, level: Error, relaxable: false,
        zh: "文件不是 UTF-8（认得出 GBK），或含 NUL 字节或其他控制字符",
        en: "a file is not UTF-8 (GBK is recognised) or holds NUL bytes or other control characters",
    }

    FRONT_MATTER {
        id: "front-matter", family: Keys, level: Error, relaxable: false,
        zh: "没有前置元数据，或它没有结束的 `---`、为空",
        en: "the front matter is missing, unclosed or empty",
    }
    YAML {
        id: "yaml", family: Keys, level: Error, relaxable: false,
        zh: "YAML 语法错误、值的类型不对、嵌套映射中的未知字段",
        en: "a YAML syntax error, a value of the wrong type, or an unknown key in a nested mapping",
    }
    UNKNOWN_KEY {
        id: "unknown-key", family: Keys, level: Error, relaxable: true,
        zh: "未知字段（未在 extra_keys 中声明）",
        en: "a key the record format does not know and extra_keys does not declare",
    }
    GUARD_KEY {
        id: "guard-key", family: Keys, level: Error, relaxable: false,
        zh: "看起来是写错的公开属性或保密审查字段",
        en: "a key that looks like a misspelt disclosure or review key",
    }
    MISSING_KEY {
        id: "missing-key", family: Keys, level: Error, relaxable: false,
        zh: "缺少必填字段",
        en: "a required key is missing",
    }
    ENUM {
        id: "enum", family: Keys, level: Error, relaxable: false,
        zh: "kind、genre、disclosure、validity.state 的值不在取值范围内",
        en: "a value of kind, genre, disclosure or validity.state is not one of its values",
    }
    DATE {
        id: "date", family: Keys, level: Error, relaxable: false,
        zh: "日期不是 YYYY-MM-DD，或这一天不存在",
        en: "a date is not of the form YYYY-MM-DD, or the day does not exist",
    }
    ID {
        id: "id", family: Keys, level: Error, relaxable: false,
        zh: "id 无效，或无法从路径得出",
        en: "an id is invalid, or cannot be made from the path",
    }
    KIND_KEY {
        id: "kind-key", family: Keys, level: Error, relaxable: true,
        zh: "只属于别的类型的字段",
        en: "a key that belongs to another kind of record",
    }
    LIST_VALUE {
        id: "list-value", family: Keys, level: Error, relaxable: true,
        zh: "关键词、发布机构或主题分类的一项中有英文分号 `;`：开放数据的 CSV 用它分隔各项",
        en: "a keyword, issuer or topic holds `;`, which open data's CSV puts between values",
    }
    GAZETTE {
        id: "gazette", family: Keys, level: Error, relaxable: true,
        zh: "公报期的年份、期号或总期号不合理",
        en: "a gazette issue's year, number or total number is out of range",
    }

    DOC_NUMBER {
        id: "doc-number", family: Numbers, level: Error, relaxable: true,
        zh: "认不出的发文字号",
        en: "a document number that cannot be read",
    }
    DOC_NUMBER_BRACKETS {
        id: "doc-number-brackets", family: Numbers, level: Warning, relaxable: true,
        zh: "发文字号的年份没有用六角括号〔〕",
        en: "a document number does not put its year in 〔〕",
    }
    DOC_NUMBER_ZEROS {
        id: "doc-number-zeros", family: Numbers, level: Warning, relaxable: true,
        zh: "发文字号的序号有前导零",
        en: "a document number's serial has leading zeros",
    }
    INDEX_NO {
        id: "index-no", family: Numbers, level: Error, relaxable: true,
        zh: "索引号不符合 [patterns] index_no",
        en: "an index number does not match the index_no pattern of gongbao.toml",
    }
    REGISTRATION_NO {
        id: "registration-no", family: Numbers, level: Error, relaxable: true,
        zh: "统一编号不符合 [patterns] registration_no",
        en: "a registration number does not match the registration_no pattern of gongbao.toml",
    }
    REGISTRATION_NO_KIND {
        id: "registration-no-kind", family: Numbers, level: Warning, relaxable: true,
        zh: "非行政规范性文件写了统一编号",
        en: "a registration number on a record that is not a normative document",
    }
    DUPLICATE_DOC_NUMBER {
        id: "duplicate-doc-number", family: Numbers, level: Warning, relaxable: true,
        zh: "两条记录的发文字号相同",
        en: "two records have the same document number",
    }
    DUPLICATE_INDEX_NO {
        id: "duplicate-index-no", family: Numbers, level: Error, relaxable: true,
        zh: "两条记录的索引号相同",
        en: "two records have the same index number",
    }

    DATE_ORDER {
        id: "date-order", family: DatesAndRelations, level: Error, relaxable: true,
        zh: "日期顺序不对（成文 ≤ 发布 ≤ 施行 ≤ 有效期至、征求意见期、validity.since）",
        en: "dates out of order (signed ≤ published ≤ effective ≤ expires, the comment period, validity.since)",
    }
    DUPLICATE_ID {
        id: "duplicate-id", family: DatesAndRelations, level: Error, relaxable: false,
        zh: "两条记录的 id 相同，或只差大小写、Unicode 写法",
        en: "two records have the same id, or ids that differ only in case or Unicode form",
    }
    UNKNOWN_REF {
        id: "unknown-ref", family: DatesAndRelations, level: Error, relaxable: true,
        zh: "引用了不存在的 id",
        en: "a reference to an id that does not exist",
    }
    SELF_REF {
        id: "self-ref", family: DatesAndRelations, level: Error, relaxable: true,
        zh: "关联指向记录自身",
        en: "a relation points at the record itself",
    }
    DUPLICATE_REF {
        id: "duplicate-ref", family: DatesAndRelations, level: Error, relaxable: true,
        zh: "同一关联字段两次列出同一条记录",
        en: "a relation lists the same record twice",
    }
    NON_PUBLIC_REF {
        id: "non-public-ref", family: DatesAndRelations, level: Warning, relaxable: true,
        zh: "主动公开的记录引用了非主动公开的记录",
        en: "a public record refers to one that is not publicly disclosed",
    }
    RELATION_DATE {
        id: "relation-date", family: DatesAndRelations, level: Error, relaxable: true,
        zh: "修改或废止在被修改文件施行之前生效",
        en: "an amendment or repeal takes effect before its target is in force",
    }
    CYCLE {
        id: "cycle", family: DatesAndRelations, level: Error, relaxable: true,
        zh: "修改、废止关系形成循环",
        en: "amendments and repeals form a cycle",
    }
    FUTURE_PUBLISHED {
        id: "future-published", family: DatesAndRelations, level: Warning, relaxable: true,
        zh: "发布日期在构建日期之后，本次不发布这条记录",
        en: "the publication date is after the build date, so this build does not publish the record",
    }
    DUPLICATE_TITLE {
        id: "duplicate-title", family: DatesAndRelations, level: Warning, relaxable: true,
        zh: "两条同类记录题名相同、发布日期相同",
        en: "two records of one kind have the same title and publication date",
    }
    REPEAL_PENDING {
        id: "repeal-pending", family: DatesAndRelations, level: Warning, relaxable: true,
        zh: "废止别的文件的记录自己尚未施行",
        en: "a record that repeals another is not in force itself yet",
    }

    INTERPRETATION {
        id: "interpretation", family: Kinds, level: Error, relaxable: true,
        zh: "政策解读没有 interprets",
        en: "an interpretation without interprets",
    }
    INTERPRETATION_EARLY {
        id: "interpretation-early", family: Kinds, level: Error, relaxable: true,
        zh: "政策解读早于所解读的文件发布",
        en: "an interpretation is published before the document it explains",
    }
    INTERPRETATION_LATE {
        id: "interpretation-late", family: Kinds, level: Error, relaxable: true,
        zh: "政策解读晚于所解读的文件发布",
        en: "an interpretation published after the document it explains",
    }
    DRAFT_COMMENT {
        id: "draft-comment", family: Kinds, level: Error, relaxable: true,
        zh: "征求意见稿没有 comment",
        en: "a draft without comment",
    }
    COMMENT_PERIOD {
        id: "comment-period", family: Kinds, level: Error, relaxable: true,
        zh: "征求意见期短于站点设置的天数（默认 30 日）",
        en: "a comment period shorter than the site's minimum (30 days by default)",
    }
    DRAFT_ADOPTION {
        id: "draft-adoption", family: Kinds, level: Warning, relaxable: true,
        zh: "征求意见期已过，没有意见采纳情况说明",
        en: "a comment period has closed without an adoption report",
    }
    PUBLICATION_DELAY {
        id: "publication-delay", family: Kinds, level: Either, relaxable: true,
        zh: "行政规范性文件成文后超过规定的工作日才发布（警告），或所需年份不在节假日日历中（错误）",
        en: "a normative document published more working days after signing than allowed (warning), or a year the holiday calendar does not cover (error)",
    }
    REVIEW {
        id: "review", family: Kinds, level: Either, relaxable: true,
        zh: "主动公开的记录没有保密审查记录（警告），或审查日期晚于发布日期（错误）",
        en: "a public record has no secrecy review (warning), or was reviewed after it was published (error)",
    }
    DISCLOSURE_REASON {
        id: "disclosure-reason", family: Kinds, level: Error, relaxable: false,
        zh: "不予公开的记录没有理由，或主动公开的记录写了理由",
        en: "a withheld record without disclosure_reason, or a public one with it",
    }
    INSIDE_PRIVATE {
        id: "inside-private", family: Kinds, level: Error, relaxable: false,
        zh: "读者看得到的记录位于一条读者看不到的记录（不予公开、依申请公开或尚未发布）的目录中",
        en: "a record readers see lies inside the folder of a record they do not see (withheld, on request, or published later)",
    }
    DUPLICATE_ISSUE {
        id: "duplicate-issue", family: Kinds, level: Error, relaxable: true,
        zh: "同一年同一期号有两期公报",
        en: "two gazette issues with the same year and number",
    }
    ISSUE_DATE {
        id: "issue-date", family: Kinds, level: Error, relaxable: true,
        zh: "公报期刊登的文件晚于本期出版",
        en: "a gazette issue carries a document published after it",
    }
    ISSUE_ITEM {
        id: "issue-item", family: Kinds, level: Error, relaxable: true,
        zh: "公报期刊登了另一期公报",
        en: "a gazette issue carries another issue",
    }
    ISSUE_TWICE {
        id: "issue-twice", family: Kinds, level: Warning, relaxable: true,
        zh: "一份文件被两期公报刊登",
        en: "a document carried by two gazette issues",
    }

    VERSION {
        id: "version", family: Versions, level: Either, relaxable: true,
        zh: "版本文件名不是日期或写了元数据（错误）；versions/ 不属于任何记录（警告）",
        en: "a version file not named by a date or with front matter (error); versions/ of no record (warning)",
    }
    VERSION_DATE {
        id: "version-date", family: Versions, level: Error, relaxable: true,
        zh: "版本日期早于施行日期，或不早于现行文本",
        en: "a version dated before the record took effect, or not before the current text",
    }

    OUTSIDE {
        id: "outside", family: TextAndFiles, level: Error, relaxable: false,
        zh: "附件或链接指向记录目录之外，或不属于本记录的文件",
        en: "an attachment or link points outside the record's folder, or at a file that is not the record's",
    }
    MISSING_FILE {
        id: "missing-file", family: TextAndFiles, level: Error, relaxable: false,
        zh: "附件或链接的文件不存在",
        en: "an attached or linked file does not exist",
    }
    ACTIVE_ATTACHMENT {
        id: "active-attachment", family: TextAndFiles, level: Either, relaxable: false,
        zh: "附件可以执行脚本：SVG、XML 等从不发布（错误），HTML 清理后发布（警告）",
        en: "an attachment that can run script: SVG, XML and such are refused (error), HTML is cleaned (warning)",
    }
    RAW_HTML {
        id: "raw-html", family: TextAndFiles, level: Warning, relaxable: true,
        zh: "正文中的 HTML 可能执行脚本，发布时删除",
        en: "raw HTML that could run script, removed from the page",
    }
    RAW_HTML_UNCLOSED {
        id: "raw-html-unclosed", family: TextAndFiles, level: Error, relaxable: false,
        zh: "会吞掉后文的原始 HTML 元素没有闭合",
        en: "a raw HTML element that swallows what follows is never closed",
    }
    PERSONAL_DATA {
        id: "personal-data", family: TextAndFiles, level: Error, relaxable: true,
        zh: "主动公开的正文或题名中有个人信息：身份证号、手机号或银行卡号",
        en: "a public text or title holds personal data: an identity, mobile or bank card number",
    }
    RAW_HTML_DOC {
        id: "raw-html-doc", family: TextAndFiles, level: Error, relaxable: false,
        zh: "doc: 引用写在原始 HTML 的文字中：不会成为链接，页面会原样显示它和其中的 id",
        en: "a doc: reference in the text of raw HTML: it is no link, and the page would show it, id and all",
    }
    DOC_NOT_LINK {
        id: "doc-not-link", family: TextAndFiles, level: Error, relaxable: false,
        zh: "正文或历史版本的文字中有没有成为链接的 doc: 引用，后面是某条记录的 id（如地址中有空格）：页面会原样显示它和这个 id",
        en: "a doc: reference in a text that did not become a link, followed by a record's id (a space in the address, say): the page would show it, id and all",
    }
    EMPTY_FILE {
        id: "empty-file", family: TextAndFiles, level: Warning, relaxable: true,
        zh: "附件或链接的文件是空的（0 字节）",
        en: "an attached or linked file is empty (0 bytes)",
    }
    EMPTY_TEXT {
        id: "empty-text", family: TextAndFiles, level: Warning, relaxable: true,
        zh: "记录只有元数据，没有正文",
        en: "a record with metadata but no text",
    }

    OUTPUT_CLASH {
        id: "output-clash", family: Outputs, level: Error, relaxable: false,
        zh: "两样东西要写到同一个输出路径",
        en: "two things would be written to one output path",
    }
    PATH_TOO_LONG {
        id: "path-too-long", family: Outputs, level: Error, relaxable: false,
        zh: "输出路径中的名称超过 255 字节",
        en: "a name in an output path is over 255 bytes",
    }

    PLACEHOLDER_SETTING {
        id: "placeholder-setting", family: Tool, level: Warning, relaxable: false,
        zh: "gongbao.toml 中还是示例值（example.gov.cn 这样的示例域名、0000000000 这样的标识码）",
        en: "gongbao.toml still holds an example value (an example domain such as example.gov.cn, an id code such as 0000000000)",
    }
    CONFIG {
        id: "config", family: Tool, level: Error, relaxable: false,
        zh: "gongbao.toml 无法读取或有误",
        en: "gongbao.toml cannot be read or is wrong",
    }
    IO {
        id: "io", family: Tool, level: Error, relaxable: false,
        zh: "读写失败，或输出目录会毁掉别的文件",
        en: "reading or writing failed, or the output folder would destroy other files",
    }
    THEME {
        id: "theme", family: Tool, level: Error, relaxable: false,
        zh: "主题不存在、无法读取或出错",
        en: "the theme is missing, cannot be read or is broken",
    }
    CHANGED {
        id: "changed", family: Tool, level: Error, relaxable: false,
        zh: "记录在检查之后、写出之前被改动",
        en: "a record changed after it was checked and before its page was written",
    }
    SIGNING_KEY {
        id: "signing-key", family: Tool, level: Error, relaxable: false,
        zh: "签名用的私钥或核验用的公钥无法读取或无效",
        en: "the secret key to sign with, or the public key to verify with, cannot be read or is not valid",
    }
    REGISTER {
        id: "register", family: Tool, level: Error, relaxable: false,
        zh: "移交登记 transfers.jsonl 无法读取，或有一行被改动、缺失或写错",
        en: "the transfer register transfers.jsonl cannot be read, or a line was changed, lost or is malformed",
    }
    DEPLOY {
        id: "deploy", family: Tool, level: Error, relaxable: false,
        zh: "部署到对象存储失败：目标写错、缺少凭据、凭据被拒绝，或存储无法连接",
        en: "deploying to object storage failed: a wrong target, missing or refused credentials, or an unreachable store",
    }
    CACHE {
        id: "cache", family: Tool, level: Warning, relaxable: false,
        zh: "无法保存构建缓存（下次构建重新生成全部文件）",
        en: "the build cache cannot be saved (the next build renders every file again)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_are_unique_kebab_case_and_grouped_by_family() {
        let mut seen = BTreeSet::new();
        for r in ALL {
            assert!(seen.insert(r.id), "`{}` is registered twice", r.id);
            assert!(
                !r.id.is_empty() && r.id.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase())),
                "`{}` is not kebab-case",
                r.id
            );
            assert!(!r.zh.is_empty() && !r.en.is_empty(), "`{}` has no description", r.id);
        }
        let families: Vec<Family> = ALL.iter().map(|r| r.family).collect();
        assert!(families.is_sorted(), "the registry lists the rules family by family, in the book's order");
        assert_eq!(families.iter().collect::<BTreeSet<_>>().len(), Family::ALL.len(), "every family has a rule");
    }

    #[test]
    fn tool_failures_cannot_be_relaxed() {
        for r in ALL.iter().filter(|r| r.family == Family::Tool) {
            assert!(!r.relaxable, "`{}`", r.id);
        }
    }

    /// Every `.rs` file under `src/`, with its text.
    fn sources() -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
                }
            }
        }
        out
    }

    /// Rule ids are never written as strings at the places that raise or compare them: only
    /// the constants here name them. (The compiler already refuses a string where a rule goes;
    /// this keeps a looser helper from bringing strings back.)
    #[test]
    fn no_rule_id_is_a_string_literal_in_src() {
        let patterns = ["Diagnostic::error(\"", "Diagnostic::warning(\"", ".rule == \"", "err(\"", "warn(\""];
        let mut found = Vec::new();
        for (path, text) in sources() {
            for (n, line) in text.lines().enumerate() {
                // A pattern counts only where it starts a name, so `io_err` is not `err`.
                let starts_name = |p: &str| {
                    line.match_indices(p)
                        .any(|(at, _)| !line[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_'))
                };
                found.extend(patterns.iter().filter(|p| starts_name(p)).map(|p| format!("{path}:{}: {p}", n + 1)));
            }
        }
        assert!(found.is_empty(), "name these rules through crate::model::rules:\n{}", found.join("\n"));
    }

    /// A rule in the registry that nothing raises would be documented but never reported.
    #[test]
    fn every_rule_is_raised_somewhere() {
        let texts: Vec<String> =
            sources().into_iter().filter(|(p, _)| !p.ends_with("src/model/rules.rs")).map(|(_, t)| t).collect();
        for (name, r) in NAMED {
            let used = format!("rules::{name}");
            // `rules::DATE` must not be found inside `rules::DATE_ORDER`.
            let whole = |t: &String| {
                t.match_indices(&used)
                    .any(|(i, _)| !t[i + used.len()..].starts_with(|c: char| c == '_' || c.is_ascii_alphanumeric()))
            };
            assert!(texts.iter().any(whole), "`{}` ({used}) is registered but used nowhere in src/", r.id);
        }
    }
}
