//! Property test: for random timelines of effective, expiry, amendment, repeal and stated
//! events, the computed state on any date equals a deliberately simple reference written here,
//! and the timeline holds every amendment without letting one change the state.

use gongbao::internals::Config;
use gongbao::internals::Source;
use gongbao::internals::{Corpus, Inputs};
use gongbao::model::date::Date;
use gongbao::model::{State, Statement};
use proptest::prelude::*;

fn day(n: i64) -> Date {
    Date::from_days(Date::parse("2020-01-01").unwrap().to_days() + n)
}

fn source(id: &str, fm: String) -> Source {
    Source {
        file: format!("content/{id}.md"),
        default_id: id.into(),
        dir: String::new(),
        text: format!("---\n{fm}\n---\n正文。\n"),
        sha256: String::new(),
    }
}

#[derive(Debug, Clone)]
struct Timeline {
    effective: i64,
    expires: Option<i64>,
    amends: Vec<i64>,
    repeals: Vec<i64>,
    stated: Option<(Statement, i64)>,
}

/// The reference: the states in order of precedence, each asked plainly. An amendment, in the
/// corpus or stated, is no state: the amended document is in force as amended.
fn reference(t: &Timeline, d: i64) -> State {
    let stated = |s: Statement| t.stated.is_some_and(|(st, since)| st == s && since <= d);
    if d < t.effective {
        State::NotYetInForce
    } else if t.repeals.iter().any(|&r| r <= d) || stated(Statement::Repealed) {
        State::Repealed
    } else if t.expires.is_some_and(|x| x < d) || stated(Statement::Lapsed) {
        State::Lapsed
    } else if stated(Statement::PartlyLapsed) {
        State::PartlyLapsed
    } else {
        State::InForce
    }
}

fn timeline() -> impl Strategy<Value = Timeline> {
    (0i64..400).prop_flat_map(|eff| {
        let later = eff..eff + 800;
        (
            Just(eff),
            proptest::option::of(later.clone()),
            proptest::collection::vec(later.clone(), 0..3),
            proptest::collection::vec(later.clone(), 0..2),
            proptest::option::of((
                prop_oneof![
                    Just(Statement::InForce),
                    Just(Statement::Amended),
                    Just(Statement::PartlyLapsed),
                    Just(Statement::Lapsed),
                    Just(Statement::Repealed)
                ],
                later,
            )),
        )
            .prop_map(|(effective, expires, amends, repeals, stated)| Timeline {
                effective,
                expires,
                amends,
                repeals,
                stated,
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn computed_state_matches_the_reference(t in timeline(), probes in proptest::collection::vec(-10i64..1300, 12)) {
        let cfg = Config::parse("[site]\nname = \"t\"\n").unwrap();
        let mut fm = format!("kind: normative\ntitle: 目标\npublished: {}\neffective: {}", day(t.effective - 5), day(t.effective));
        if let Some(x) = t.expires {
            fm.push_str(&format!("\nexpires: {}", day(x)));
        }
        if let Some((s, since)) = t.stated {
            fm.push_str(&format!("\nvalidity: {{state: {}, since: {}}}", s.id(), day(since)));
        }
        let mut sources = vec![source("target", fm)];
        for (k, a) in t.amends.iter().enumerate() {
            sources.push(source(&format!("amend{k}"), format!("kind: normative\ntitle: 修改{k}\npublished: {}\namends: [{{id: target, effective: {}}}]", day(t.effective), day(*a))));
        }
        for (k, r) in t.repeals.iter().enumerate() {
            sources.push(source(&format!("repeal{k}"), format!("kind: normative\ntitle: 废止{k}\npublished: {}\neffective: {}\nrepeals: [target]", day(t.effective), day(*r))));
        }
        let records: Vec<_> = sources.iter().map(|s| {
            let (r, d) = gongbao::internals::parse(s, &cfg);
            assert!(d.iter().all(|d| d.severity != gongbao::model::diag::Severity::Error), "{d:?}");
            r.unwrap()
        }).collect();
        let c = Corpus::build(records, Date::parse("2100-01-01").unwrap(), Inputs::default());
        let i = c.lookup("target").unwrap();
        let mut dates: Vec<i64> = probes;
        // Every transition, the day before and the day after.
        let mut edges = vec![t.effective];
        edges.extend(t.expires.map(|x| x + 1));
        edges.extend(&t.amends);
        edges.extend(&t.repeals);
        edges.extend(t.stated.map(|s| s.1));
        for e in edges {
            dates.extend([e - 1, e, e + 1]);
        }
        for &d in &dates {
            prop_assert_eq!(c.state_on(i, day(d)).state, reference(&t, d), "on {}", day(d));
        }
        // The timeline agrees with the state on each of its own dates, and the last entry on or
        // before a date has the state of that date (what the reader's browser relies on).
        for ch in &c.timelines[i] {
            prop_assert_eq!(c.state_on(i, ch.from).state, ch.state);
        }
        for d in dates.iter().copied().filter(|&d| d >= t.effective) {
            let last = c.timelines[i].iter().rev().find(|ch| ch.from <= day(d)).unwrap();
            prop_assert_eq!(last.state, reference(&t, d), "last entry on {}", day(d));
        }
        // Every amendment is in it, on its day, and no change of state is one.
        let mut amended: Vec<Date> = t.amends.iter().map(|&a| day(a)).collect();
        amended.extend(t.stated.filter(|s| s.0 == Statement::Amended).map(|s| day(s.1)));
        amended.sort();
        let listed: Vec<Date> = c.timelines[i].iter().filter(|ch| ch.amendment).map(|ch| ch.from).collect();
        prop_assert_eq!(listed, amended);
        prop_assert!(c.state_changes(i).all(|ch| !ch.amendment));
        prop_assert!(c.timelines[i].windows(2).all(|w| (w[0].from, w[0].amendment) <= (w[1].from, w[1].amendment)));
    }
}
