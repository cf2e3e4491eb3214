//! The vocabulary types read back what they write (`x.to_string().parse() == x`) and pad as a
//! format asks (`{:>10}`), so a program can print and parse them like any Rust value.

use std::fmt::{Debug, Display};
use std::str::FromStr;

use casus::{Caveat, Deadline, EventKind, Form, Level, Means, On, Reason, Status, When};

/// Every value reads back from its text, and the text is the one given.
fn check<T>(values: &[T], texts: &[&str])
where
    T: Display + FromStr + PartialEq + Debug,
    T::Err: Debug,
{
    assert_eq!(values.len(), texts.len(), "{values:?}");
    for (v, text) in values.iter().zip(texts) {
        assert_eq!(v.to_string(), *text);
        assert_eq!(v.to_string().parse::<T>().ok().as_ref(), Some(v), "{text}");
    }
}

#[test]
fn every_word_reads_back() {
    check(
        Level::ALL.as_slice(),
        &[
            "non_aggression",
            "neutrality",
            "consult",
            "diplomatic",
            "assist",
            "all_means",
            "military",
        ],
    );
    check(
        EventKind::ALL,
        &[
            "armed_attack",
            "cyber_attack",
            "hybrid_attack",
            "threat",
            "mobilization",
            "incursion",
        ],
    );
    check(Means::ALL, &["conventional", "nuclear", "chemical", "biological"]);
    check(Status::ALL.as_slice(), &["definite", "contingent"]);
    check(
        Reason::ALL.as_slice(),
        &[
            "treaty_not_in_force",
            "treaty_terminated",
            "not_a_party",
            "is_target",
            "is_attacker",
            "target_not_a_party",
            "target_not_covered",
            "out_of_scope",
            "event_not_covered",
            "means_not_covered",
            "attacker_not_covered",
            "date_out_of_range",
            "condition_not_met",
            "not_named",
            "reservation",
            "suspended",
        ],
    );
    check(
        &[
            Deadline::Immediately,
            Deadline::WithinHours(48),
            Deadline::WithinDays(3),
        ],
        &["immediately", "within 48 hours", "within 3 days"],
    );
    check(
        &[
            Caveat::ConstitutionalProcesses,
            Caveat::SpecificCharacter,
            Caveat::ForceNotCompulsory,
            Caveat::DomesticLaw,
            Caveat::UntilSecurityCouncilActs,
            Caveat::PoliticalCommitment,
            Caveat::PrimacyOf("nato".into()),
            Caveat::Other("within the limits of the constitution".into()),
        ],
        &[
            "constitutional_processes",
            "specific_character",
            "force_not_compulsory",
            "domestic_law",
            "until_security_council_acts",
            "political_commitment",
            "primacy_of:nato",
            "other:within the limits of the constitution",
        ],
    );
    let when = |s: &str| When::parse(s).unwrap();
    check(
        &[when("2024-03-07"), when("2024-03-07T17:30:00+01:00")],
        &["2024-03-07", "2024-03-07T16:30:00Z"],
    );
}

/// Every value of the vocabularies with `ALL` reads back (the lists above may lag).
#[test]
fn every_variant_reads_back() {
    fn all<T: Display + FromStr + PartialEq + Debug>(values: &[T])
    where
        T::Err: Debug,
    {
        for v in values {
            assert_eq!(v.to_string().parse::<T>().ok().as_ref(), Some(v));
        }
    }
    all(Level::ALL.as_slice());
    all(EventKind::ALL);
    all(Means::ALL);
    all(On::ALL);
    all(Form::ALL);
    all(Status::ALL.as_slice());
    all(Reason::ALL.as_slice());
}

#[test]
fn unknown_words_say_what_there_is() {
    let check = |got: String, expected: &str| assert_eq!(got, expected);
    check(
        "assit".parse::<Level>().unwrap_err().to_string(),
        "`assit` is not a known level; one of non_aggression, neutrality, consult, diplomatic, assist, all_means, military",
    );
    check(
        "maybe".parse::<Status>().unwrap_err().to_string(),
        "`maybe` is not a known status; one of definite, contingent",
    );
    check(
        "soon".parse::<Deadline>().unwrap_err().to_string(),
        "`soon` is not a known deadline; one of immediately, within N hours, within N days",
    );
    check(
        "armed_atack".parse::<EventKind>().unwrap_err().to_string(),
        "`armed_atack` is not a known event kind; one of armed_attack, cyber_attack, hybrid_attack, threat, mobilization, incursion",
    );
    // The reason in parentheses is the date library's own words.
    let date = "2024-13-07".parse::<When>().unwrap_err().to_string();
    assert!(date.starts_with("invalid date `2024-13-07` ("), "{date}");
    assert!(date.ends_with("); write YYYY-MM-DD"), "{date}");
}

#[test]
fn words_pad_as_the_format_asks() {
    for (got, expected) in [
        (format!("{:>10}", Level::Assist), "    assist"),
        (format!("{:<10}|", Status::Definite), "definite  |"),
        (format!("{:^9}", Means::Nuclear), " nuclear "),
        (format!("{:>12}", When::parse("2024-03-07").unwrap()), "  2024-03-07"),
        (format!("{:>14}", Deadline::WithinDays(3)), " within 3 days"),
        (format!("{:>15}", Caveat::DomesticLaw), "   domestic_law"),
        (format!("{:>19}", Reason::IsTarget), "          is_target"),
        (format!("{:.3}", Level::Military), "mil"),
    ] {
        assert_eq!(got, expected);
    }
}
