//! `casus map`: world maps of coverage, guarantors, exposure, diffs and cascades. The maps are
//! the library's (`casus::map`); this file reads the arguments and turns SVG into PNG with
//! resvg when asked.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use casus::graph::{CascadeOptions, CascadePolicy};
use casus::map::{Bounds, MapKind, MapRequest, Region};
use casus::{Level, Scenario};
use clap::{Args, Subcommand, ValueEnum};

use crate::graph::{Policy, date, parse_level, write_file};
use crate::{Engines, load};

/// The picture format of a map.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    /// SVG: every place a path with `data-place` and `data-shade`.
    Svg,
    /// PNG, rendered from the SVG (no Graphviz needed).
    Png,
}

/// What every map takes.
#[derive(Args)]
pub struct MapCommon {
    /// The date (YYYY-MM-DD or an RFC 3339 instant). Default: today. A cascade uses its
    /// scenario's.
    #[arg(long)]
    date: Option<String>,
    /// The part of the world: world, europe, east-asia, ukraine, or WEST,SOUTH,EAST,NORTH in
    /// degrees. Default: the world (a diff: the places that change).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Picture format.
    #[arg(long, value_enum, default_value_t = MapFormat::Svg)]
    format: MapFormat,
    /// Write to this file instead of standard output (written only when the picture was made).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `casus map KIND`.
#[derive(Subcommand)]
pub enum MapCommand {
    /// Where an armed attack on the place's holder obliges someone under a treaty (or any).
    Coverage {
        /// The treaty (an id, e.g. nato), or one clause (nato/art5); default: every treaty.
        #[arg(long)]
        treaty: Option<String>,
        /// The attacker (a party id); default: unknown, so a clause that asks is contingent.
        #[arg(long)]
        attacker: Option<String>,
        /// The rule set (a folder, or a draft's folder).
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        #[command(flatten)]
        common: MapCommon,
    },
    /// Who is bound to help a party, by the strongest level each owes.
    Guarantors {
        /// The party helped.
        party: String,
        /// The rule set.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        #[command(flatten)]
        common: MapCommon,
    },
    /// Where an attack would oblige a party to act.
    Exposure {
        /// The party obliged.
        party: String,
        /// The weakest level shown.
        #[arg(long, default_value = "neutrality", value_parser = parse_level)]
        min_level: Level,
        /// The rule set.
        #[arg(long, default_value = "rules")]
        rules: PathBuf,
        #[command(flatten)]
        common: MapCommon,
    },
    /// Where the coverage of two rule sets differs (e.g. two drafts).
    Diff {
        /// The old rule set.
        old: PathBuf,
        /// The new rule set.
        new: PathBuf,
        /// Only this treaty's coverage; default: every treaty.
        #[arg(long)]
        treaty: Option<String>,
        /// The attacker; default: unknown.
        #[arg(long)]
        attacker: Option<String>,
        #[command(flatten)]
        common: MapCommon,
    },
    /// Who enters a war in which round, from a scenario.
    Cascade {
        /// The scenario file.
        scenario: PathBuf,
        /// Whether an entry counts as an attack on the enemy.
        #[arg(long, value_enum, default_value_t = Policy::Best)]
        policy: Policy,
        /// The weakest level at which an obliged party enters.
        #[arg(long, default_value = "assist", value_parser = parse_level)]
        min_level: Level,
        /// The rule set. Default: the scenario's `rules:`, else `rules/`.
        #[arg(long)]
        rules: Option<PathBuf>,
        #[command(flatten)]
        common: MapCommon,
    },
}

fn label(p: &Path) -> String {
    p.display().to_string().trim_end_matches('/').to_string()
}

fn bounds(common: &MapCommon) -> Result<Option<Bounds>, String> {
    common
        .region
        .as_deref()
        .map(Region::parse)
        .transpose()
        .map_err(|e| format!("error: {e}\n"))
}

/// Runs `casus map`.
pub fn run(cmd: MapCommand) -> Result<ExitCode, String> {
    let err = |e: casus::map::MapError| format!("error: {e}\n");
    let (svg, common) = match &cmd {
        MapCommand::Coverage {
            treaty,
            attacker,
            rules,
            common,
        } => {
            let engine = load(rules)?;
            let rl = label(rules);
            let mut req = MapRequest::new(
                MapKind::Coverage {
                    treaty: treaty.as_deref(),
                    attacker: attacker.as_deref(),
                },
                date(common.date.as_deref())?,
                &rl,
            );
            req.bounds = bounds(common)?;
            (casus::map::render_svg(&engine, &req).map_err(err)?, common)
        }
        MapCommand::Guarantors { party, rules, common }
        | MapCommand::Exposure {
            party, rules, common, ..
        } => {
            let engine = load(rules)?;
            let rl = label(rules);
            let kind = match &cmd {
                MapCommand::Exposure { min_level, .. } => MapKind::Exposure {
                    party,
                    min_level: *min_level,
                },
                _ => MapKind::Guarantors { party },
            };
            let mut req = MapRequest::new(kind, date(common.date.as_deref())?, &rl);
            req.bounds = bounds(common)?;
            (casus::map::render_svg(&engine, &req).map_err(err)?, common)
        }
        MapCommand::Diff {
            old,
            new,
            treaty,
            attacker,
            common,
        } => {
            let (a, b) = (load(old)?, load(new)?);
            let (ol, nl) = (label(old), label(new));
            let kind = MapKind::Diff {
                new: &b,
                new_label: &nl,
                treaty: treaty.as_deref(),
                attacker: attacker.as_deref(),
            };
            let mut req = MapRequest::new(kind, date(common.date.as_deref())?, &ol);
            req.bounds = bounds(common)?;
            (casus::map::render_svg(&a, &req).map_err(err)?, common)
        }
        MapCommand::Cascade {
            scenario,
            policy,
            min_level,
            rules,
            common,
        } => (
            cascade_svg(scenario, *policy, *min_level, rules.as_deref(), common)?,
            common,
        ),
    };
    let bytes = match common.format {
        MapFormat::Svg => svg.into_bytes(),
        MapFormat::Png => png(&svg)?,
    };
    if let Some(path) = &common.output {
        write_file(path, &bytes)?;
    } else if let Err(e) = std::io::stdout().write_all(&bytes) {
        crate::write_failed(&e);
    }
    Ok(ExitCode::SUCCESS)
}

fn cascade_svg(
    scenario: &Path,
    policy: Policy,
    min_level: Level,
    rules: Option<&Path>,
    common: &MapCommon,
) -> Result<String, String> {
    let s = Scenario::load(scenario).map_err(|e| crate::scenario_error(&e))?;
    let mut engines = Engines {
        cache: std::collections::BTreeMap::new(),
    };
    let engine = engines.for_scenario(rules, &s, scenario)?;
    let options = CascadeOptions {
        policy: match policy {
            Policy::Best => CascadePolicy::Best,
            Policy::Worst => CascadePolicy::Worst,
        },
        min_level,
    };
    let c = engine
        .cascade(&s, &options)
        .map_err(|e| format!("{}: error: {e}\n", scenario.display()))?;
    let rl = match rules {
        Some(r) => label(r),
        None => match &s.rules {
            Some(r) => label(&normalize(&scenario.parent().unwrap_or(Path::new("")).join(r))),
            None => "rules".to_string(),
        },
    };
    let mut req = MapRequest::new(MapKind::Cascade { cascade: &c }, c.date, &rl);
    req.bounds = bounds(common)?;
    casus::map::render_svg(engine, &req).map_err(|e| format!("error: {e}\n"))
}

/// Renders SVG text as PNG with resvg, at the SVG's own size, with the system's fonts.
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree =
        resvg::usvg::Tree::from_str(svg, &options).map_err(|e| format!("error: cannot read the map's SVG: {e}\n"))?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "error: the map has no area to draw\n".to_string())?;
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| format!("error: cannot encode the PNG: {e}\n"))
}

/// A path with its `..` steps taken (for the title only; nothing is read through it).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir
                if out
                    .components()
                    .next_back()
                    .is_some_and(|l| matches!(l, std::path::Component::Normal(_))) =>
            {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}
