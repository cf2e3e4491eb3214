//! Which rule set a command reads, and how it came to be that one: said in full when the rule
//! set is not there, so that a user outside the repository learns where `rules/` was looked
//! for and how to choose another.

use std::path::{Component, Path, PathBuf};

/// How the rule set of a command was chosen.
#[derive(Clone, Copy)]
pub(crate) enum Chosen<'a> {
    /// Given on the command line (`--rules DIR` or an argument).
    Given,
    /// The default: `rules/` in the current folder; `scenario` when a scenario's `rules:`
    /// could have named another.
    Default {
        /// Whether the command reads scenarios.
        scenario: bool,
    },
    /// A scenario's `rules:` (as written), read relative to the scenario file.
    Scenario {
        /// The scenario file.
        file: &'a Path,
        /// Its `rules:` as written.
        written: &'a str,
    },
}

/// The rule set a scenario is evaluated against: `--rules` if given, else the scenario's
/// `rules:` resolved against the scenario's folder, else `rules/`.
pub(crate) fn for_scenario<'a>(
    flag: Option<&Path>,
    scenario: &'a casus::Scenario,
    file: &'a Path,
) -> (PathBuf, Chosen<'a>) {
    match (flag, scenario.rules_path(file), scenario.rules.as_deref()) {
        (Some(p), _, _) => (p.to_path_buf(), Chosen::Given),
        (None, Some(p), Some(written)) => (tidy(&p), Chosen::Scenario { file, written }),
        _ => (PathBuf::from("rules"), Chosen::Default { scenario: true }),
    }
}

/// `p` with `.` and `name/..` taken out, as a user would write it (`examples/x/../../rules`
/// is `rules`).
pub(crate) fn tidy(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // Above the root is the root.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// What to say when the rule set at `path` does not exist, by how it was chosen.
pub(crate) fn missing(path: &Path, how: Chosen<'_>) -> String {
    let here = std::env::current_dir().map_or_else(|_| "the current folder".to_string(), |d| d.display().to_string());
    match how {
        Chosen::Default { scenario: true } => format!(
            "error: no rule set: with no `--rules DIR` and no `rules:` in the scenario, the rule set is \
             `rules/` (the default), looked for in the current folder, {here}, where there is none\n  \
             help: run casus in the folder that holds `rules/`, pass `--rules DIR`, or name the rule set \
             in the scenario with `rules: DIR` (relative to the scenario file)\n"
        ),
        Chosen::Default { scenario: false } => format!(
            "error: no rule set: `rules/` (the default) was looked for in the current folder, {here}, \
             where there is none\n  help: run casus in the folder that holds `rules/`, or pass \
             `--rules DIR`\n"
        ),
        Chosen::Scenario { file, written } => format!(
            "error: no rule set at {}: the scenario {} names `rules: {written}`, which is read relative to \
             the scenario file\n  help: correct `rules:` in the scenario, or pass `--rules DIR` to use \
             another rule set\n",
            path.display(),
            file.display()
        ),
        Chosen::Given => format!(
            "error: no rule set at {} (looked for from {here})\n  help: pass an existing rule folder or file\n",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(tidy(Path::new(input)), PathBuf::from(expected), "{input}");
    }

    #[test]
    fn tidy_takes_out_dots_as_a_user_would() {
        check("examples/scenarios/../../rules", "rules");
        check("./x/./y", "x/y");
        check("../rules", "../rules");
        check("a/../../rules", "../rules");
        check("/tmp/s/../rules", "/tmp/rules");
        check("a/..", ".");
        check("/tmp/a/../../../rules", "/rules");
        check("../../x", "../../x");
    }
}
