//! Overlays: a rule set's `ruleset.yaml` may amend treaties of the rule sets it extends (add or
//! remove a party, with dates; add, replace or remove a clause), so that a draft such as
//! "Ukraine as a NATO member" is a few lines, not a copy of the library.
//!
//! Amendments are applied to the parsed files once every file of the load is read, in the
//! order their manifests were read (what a rule set extends first), before validation: the
//! amended treaty is then checked like any other. A treaty whose clauses an amendment adds or
//! replaces is moved to the manifest that amends it, so that a mistake in a new clause is
//! reported at its line in `ruleset.yaml`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostics, FileCtx};
use crate::model::{ClauseDecl, Id, MemberDecl, RuleFile, Spanned, TreatyDecl};
use crate::time::When;

/// One amendment of a treaty, as written under `amend:` in `ruleset.yaml`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AmendDecl {
    /// The treaty amended, declared by a rule set this one extends.
    pub treaty: Id,
    /// Why, or what is hypothetical about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Parties that join (with `joined:`, and `left:` if they leave again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_parties: Vec<MemberDecl>,
    /// Parties that leave: from `left:` on, or (without it) struck from the treaty altogether.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_parties: Vec<RemoveParty>,
    /// Clauses added (their ids new in the treaty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_clauses: Vec<ClauseDecl>,
    /// Clauses that take the place of the clause with the same id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_clauses: Vec<ClauseDecl>,
    /// Ids of clauses struck out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove_clauses: Vec<Id>,
}

/// A party leaving a treaty under an amendment.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveParty {
    /// The party.
    pub party: Id,
    /// From this date or instant it is no longer a party; omitted: it never was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<Spanned<When>>,
}

/// Where a treaty is: the file and its place in that file's list.
type At = (usize, usize);

fn find_treaty(files: &[(FileCtx, Arc<RuleFile>)], id: &str) -> Option<At> {
    files
        .iter()
        .enumerate()
        .find_map(|(fi, (_, f))| f.treaties.iter().position(|t| t.id.value == id).map(|ti| (fi, ti)))
}

/// The treaty at `at`, to change: its file is copied first when a [`crate::ParseCache`] shares it.
fn treaty_mut(files: &mut [(FileCtx, Arc<RuleFile>)], at: At) -> Option<&mut TreatyDecl> {
    files
        .get_mut(at.0)
        .and_then(|(_, f)| Arc::make_mut(f).treaties.get_mut(at.1))
}

/// Applies every amendment, in order, to the files read; each problem becomes a diagnostic at
/// its place in the manifest that wrote it.
pub(crate) fn apply(
    files: &mut Vec<(FileCtx, Arc<RuleFile>)>,
    amendments: &[(FileCtx, Vec<AmendDecl>)],
    diags: &mut Diagnostics,
) {
    if amendments.is_empty() {
        return;
    }
    let parties: Vec<String> = files
        .iter()
        .flat_map(|(_, f)| f.parties.iter().map(|p| p.id.value.clone()))
        .collect();
    for (mctx, list) in amendments {
        for a in list {
            let Some(at) = find_treaty(files, &a.treaty.value) else {
                let known: Vec<&str> = files
                    .iter()
                    .flat_map(|(_, f)| f.treaties.iter().map(|t| t.id.value.as_str()))
                    .collect();
                let hint = crate::diag::suggest(&a.treaty.value, known.iter().copied())
                    .map_or_else(String::new, |s| format!("did you mean `{s}`? "));
                diags.push(mctx.error(
                    "amend-unknown-treaty",
                    mctx.at(&a.treaty.referenced),
                    format!(
                        "`amend` names treaty `{}`, which no rule set loaded here declares",
                        a.treaty.value
                    ),
                    Some(format!(
                        "{hint}an amendment changes a treaty of a rule set named under `extends:`; a new treaty goes in a rule file"
                    )),
                ));
                continue;
            };
            let moved = amend_clauses(files, at, mctx, a, diags);
            amend_parties(files, at, mctx, a, &parties, diags);
            if moved {
                move_to_manifest(files, at, mctx);
            }
        }
    }
}

/// Moves an amended treaty to a file of its own under the manifest's name, so that the load
/// reports a mistake in an added or replaced clause at its place in the manifest.
fn move_to_manifest(files: &mut Vec<(FileCtx, Arc<RuleFile>)>, at: At, mctx: &FileCtx) {
    let Some((_, f)) = files.get_mut(at.0) else {
        return;
    };
    if at.1 >= f.treaties.len() {
        return;
    }
    let t = Arc::make_mut(f).treaties.remove(at.1);
    files.push((
        mctx.clone(),
        Arc::new(RuleFile {
            treaties: vec![t],
            ..RuleFile::default()
        }),
    ));
}

/// Removes, replaces and adds clauses; returns whether a clause was added or replaced.
fn amend_clauses(
    files: &mut [(FileCtx, Arc<RuleFile>)],
    at: At,
    mctx: &FileCtx,
    a: &AmendDecl,
    diags: &mut Diagnostics,
) -> bool {
    let Some(t) = treaty_mut(files, at) else {
        return false;
    };
    let tid = t.id.value.clone();
    let unknown_clause = |t: &TreatyDecl, id: &Id, what: &str| {
        let hint = crate::diag::suggest(&id.value, t.clauses.iter().map(|c| c.id.value.as_str()))
            .map_or_else(String::new, |s| format!("did you mean `{s}`? "));
        let ids: Vec<&str> = t.clauses.iter().map(|c| c.id.value.as_str()).collect();
        mctx.error(
            "amend-unknown-clause",
            mctx.at(&id.referenced),
            format!("cannot {what} clause `{}`: treaty `{tid}` has no such clause", id.value),
            Some(format!("{hint}its clauses are {}", ids.join(", "))),
        )
    };
    for id in &a.remove_clauses {
        match t.clauses.iter().position(|c| c.id.value == id.value) {
            Some(i) => {
                t.clauses.remove(i);
            }
            None => diags.push(unknown_clause(t, id, "remove")),
        }
    }
    let mut moved = false;
    for c in &a.replace_clauses {
        match t.clauses.iter_mut().find(|x| x.id.value == c.id.value) {
            Some(slot) => {
                *slot = c.clone();
                moved = true;
            }
            None => diags.push(unknown_clause(t, &c.id, "replace")),
        }
    }
    for c in &a.add_clauses {
        if t.clauses.iter().any(|x| x.id.value == c.id.value) {
            diags.push(mctx.error(
                "amend-duplicate-clause",
                mctx.at(&c.id.referenced),
                format!("treaty `{tid}` already has a clause `{}`", c.id.value),
                Some("to change it, list it under `replace_clauses:`; to add another, give it a new id".into()),
            ));
        } else {
            t.clauses.push(c.clone());
            moved = true;
        }
    }
    moved
}

/// Whether a membership is open on or after `from` (no `left`, or `left` after it).
fn open_after(m: &MemberDecl, from: Option<&When>) -> bool {
    match (&m.left, from) {
        (None, _) => true,
        (Some(_), None) => true,
        (Some(l), Some(f)) => l.value.sort_key() > f.sort_key(),
    }
}

/// Removes parties, then adds parties.
fn amend_parties(
    files: &mut [(FileCtx, Arc<RuleFile>)],
    at: At,
    mctx: &FileCtx,
    a: &AmendDecl,
    parties: &[String],
    diags: &mut Diagnostics,
) {
    let Some(t) = treaty_mut(files, at) else {
        return;
    };
    let tid = t.id.value.clone();
    for r in &a.remove_parties {
        let mine: Vec<usize> = t
            .parties
            .iter()
            .enumerate()
            .filter(|(_, m)| m.party.as_ref().is_some_and(|p| p.value == r.party.value))
            .map(|(i, _)| i)
            .collect();
        if mine.is_empty() {
            let members: Vec<&str> = t
                .parties
                .iter()
                .filter_map(|m| m.party.as_ref().map(|p| p.value.as_str()))
                .collect();
            let hint = crate::diag::suggest(&r.party.value, members.iter().copied())
                .map_or_else(String::new, |s| format!("did you mean `{s}`? "));
            diags.push(mctx.error(
                "amend-not-a-member",
                mctx.at(&r.party.referenced),
                format!(
                    "cannot remove `{}` from `{tid}`: it is not a party to it",
                    r.party.value
                ),
                Some(format!(
                    "{hint}only a party listed under the treaty's `parties:` can be removed"
                )),
            ));
            continue;
        }
        match &r.left {
            None => t
                .parties
                .retain(|m| m.party.as_ref().is_none_or(|p| p.value != r.party.value)),
            Some(left) => {
                let open = mine
                    .iter()
                    .copied()
                    .find(|i| t.parties.get(*i).is_some_and(|m| m.left.is_none()));
                match open.and_then(|i| t.parties.get_mut(i)) {
                    Some(m) => m.left = Some(left.clone()),
                    None => diags.push(mctx.error(
                        "amend-not-a-member",
                        mctx.at(&left.referenced),
                        format!(
                            "`{}` has already left `{tid}`: no open membership to end on {}",
                            r.party.value, left.value
                        ),
                        Some("omit `left:` to strike the party from the treaty altogether".into()),
                    )),
                }
            }
        }
    }
    for m in &a.add_parties {
        let Some(p) = &m.party else {
            continue; // `members_of` entries are checked by the load like any other
        };
        if !parties.contains(&p.value) {
            let hint = crate::diag::suggest(&p.value, parties.iter().map(String::as_str))
                .map_or_else(String::new, |s| format!("did you mean `{s}`? "));
            diags.push(mctx.error(
                "unknown-party",
                mctx.at(&p.referenced),
                format!("cannot add `{}` to `{tid}`: no such party", p.value),
                Some(format!("{hint}parties are declared under `parties:` in a rule file")),
            ));
            continue;
        }
        let from = m.joined.as_ref().map(|j| &j.value);
        if t.parties
            .iter()
            .any(|x| x.party.as_ref().is_some_and(|q| q.value == p.value) && open_after(x, from))
        {
            diags.push(mctx.error(
                "amend-already-a-member",
                mctx.at(&p.referenced),
                format!("`{}` is already a party to `{tid}`", p.value),
                Some(
                    "to change its dates, list it under `remove_parties:` too (it is removed first) and add it with the new `joined:`"
                        .into(),
                ),
            ));
            continue;
        }
        t.parties.push(m.clone());
    }
}
