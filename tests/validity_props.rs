//! Property test: for random timelines of effective, expiry, amendment, repeal and stated
//! events, the computed state on any date equals a deliberately simple reference written here.

use gongbao::internals::Config;
use gongbao::internals::Source;
use gongbao::internals::{Corpus, Inputs};
use gongbao::model::State;
use gongbao::model::date::Date;
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
    stated: Option<(State, i64)>,
}

/// The reference: the states in order of precedence, each asked plainly.
fn reference(t: &Timeline, d: i64) -> State {
    let stated = |s: State| t.stated.is_some_and(|(st, since)| st == s && since <= d);
    if d < t.effective {
        State::NotYetInForce
    } else if t.repeals.iter().any(|&r| r <= d) || stated(State::Repealed) {
        State::Repealed
    } else if t.expires.is_some_and(|x| x < d) || stated(State::Lapsed) {
        State::Lapsed
    } else if stated(State::PartlyLapsed) {
        State::PartlyLapsed
    } else if t.amends.iter().any(|&a| a <= d) || stated(State::Amended) {
        State::Amended
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
                    Just(State::InForce),
                    Just(State::Amended),
                    Just(State::PartlyLapsed),
                    Just(State::Lapsed),
                    Just(State::Repealed)
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
        for d in dates {
            prop_assert_eq!(c.state_on(i, day(d)).state, reference(&t, d), "on {}", day(d));
        }
        // The timeline agrees with the state on each of its own dates.
        for ch in &c.timelines[i] {
            prop_assert_eq!(c.state_on(i, ch.from).state, ch.state);
        }
    }
}
