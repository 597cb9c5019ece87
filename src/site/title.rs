//! Where a document's title may break on a narrow screen. Chinese has no spaces, so a browser
//! breaks a title between any two characters: `2024 | 年`, `实施细 | 则`. The style sheet turns
//! that off for titles (`word-break: keep-all`), and this filter (`title_breaks` in the
//! templates) offers breaks (`<wbr>`) at the joints official titles are built from: around
//! 关于, around a quoted title 《…》 and a note （…）, before the kind of document at the end (的通知),
//! before the usual names of rules (办法, 实施细则 …) and after a place that opens a part (青川市).
//! A part longer than the line still breaks (`overflow-wrap: anywhere`).

use crate::markdown::escape::escape;

/// Words a break may come before (longest first, so that 实施细则 wins over 细则).
const BEFORE: &[&str] = &[
    "关于",
    "实施细则",
    "实施办法",
    "实施意见",
    "实施方案",
    "管理办法",
    "管理规定",
    "暂行办法",
    "征求意见",
    "工作方案",
    "行动方案",
    "行动计划",
    "办法",
    "规定",
    "条例",
    "细则",
    "决定",
    "通知",
    "公告",
    "通告",
    "意见",
    "方案",
    "计划",
    "规划",
    "说明",
    "报告",
    "批复",
    "管理",
];

/// Words a break may come after.
const AFTER: &[&str] = &["关于", "人民政府", "办公厅", "办公室", "委员会", "印发", "转发", "公布", "下达", "征求"];

/// `title`, escaped for HTML, with `<wbr>` where a line may break.
pub(crate) fn title_breaks(title: &str) -> String {
    let chars: Vec<(usize, char)> = title.char_indices().collect();
    let mut out = String::with_capacity(title.len() + 32);
    let mut last_break = 0usize;
    for (k, &(at, c)) in chars.iter().enumerate() {
        let rest = &title[at..];
        let before = &title[..at];
        let prev = k.checked_sub(1).map(|p| chars[p].1);
        let cjk = |c: Option<char>| c.is_some_and(|c| !c.is_ascii() && !"《（“〈「".contains(c));
        // Inside one of the words: 实施|细则 and 征求|意见 are not joints.
        let inside = BEFORE
            .iter()
            .chain(AFTER)
            .any(|w| (1..w.chars().count()).any(|d| k >= d && title[chars[k - d].0..].starts_with(w)));
        let here = k > 0
            && !inside
            && !"》）”〉」，。、；：".contains(c)
            && k - last_break >= 2
            && (matches!(c, '《' | '（')
                || matches!(prev, Some('》' | '）'))
                || (cjk(prev) && prev != Some('的') && BEFORE.iter().any(|w| rest.starts_with(w)))
                || (rest.starts_with('的') && BEFORE.iter().any(|w| rest['的'.len_utf8()..].starts_with(w)))
                || (cjk(Some(c)) && AFTER.iter().any(|w| before.ends_with(w)))
                // A place at the start of a part: 《青川市|网络预约…
                || (cjk(Some(c)) && matches!(prev, Some('市' | '省' | '县')) && (3..=5).contains(&(k - last_break))));
        if here {
            out.push_str("<wbr>");
            last_break = k;
        }
        out.push_str(&escape(&title[at..at + c.len_utf8()]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_come_at_the_joints_of_a_title_never_inside_a_number_or_word() {
        assert_eq!(
            title_breaks("青川市人民政府关于下达2024年市重点建设项目计划的通知"),
            "青川市<wbr>人民政府<wbr>关于<wbr>下达2024年市重点建设项目<wbr>计划<wbr>的通知"
        );
        assert_eq!(
            title_breaks("关于公开征求《青川市网络预约出租汽车经营服务管理实施细则（征求意见稿）》意见的公告"),
            "关于<wbr>公开征求<wbr>《青川市<wbr>网络预约出租汽车经营服务<wbr>管理<wbr>实施细则<wbr>（征求意见稿）》<wbr>意见<wbr>的公告"
        );
        assert_eq!(title_breaks("A<B>&"), "A&lt;B&gt;&amp;", "escaped");
        assert_eq!(title_breaks("青川市新市民购房补贴实施细则"), "青川市<wbr>新市民购房补贴<wbr>实施细则");
    }
}
