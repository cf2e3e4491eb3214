//! How many states were bound to defend Belgium, year by year, 1830–2018, as ATOP codes it?
//!
//! Imports the ATOP 4.0 exports, then evaluates an armed attack on Belgium's territory by an
//! attacker left unknown ([`casus_atop::defenders`]) and counts the states with an obligation
//! at `assist` or above from the defense clause of an ATOP alliance: on 1 July of each year,
//! definite ones and contingent ones (those that wait on a condition ATOP codes, such as a
//! location or a specific adversary); and, evaluating every day of the year, the states bound
//! at some time in the year (the dyad-year convention). Prints the table and writes the chart
//! to `docs/atop-belgium.svg`.
//!
//! ```sh
//! cargo run -p casus-atop --example atop_belgium            # data in data/atop-4.0
//! cargo run -p casus-atop --example atop_belgium -- DIR     # or in DIR
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::PathBuf;

use casus::{Status, When};
use casus_atop::CsvText;
use plotters::prelude::*;

const TARGET: &str = "BEL";
const FIRST: i16 = 1830;
const LAST: i16 = 2018;

/// A line of the chart: its label, its colour and the value it plots.
type Series = (&'static str, RGBColor, fn(&Year) -> usize);

struct Year {
    year: i16,
    /// Bound on 1 July, definitely.
    definite: usize,
    /// Bound on 1 July, contingent on a condition ATOP codes.
    contingent: usize,
    /// Bound on some day of the year.
    any_time: usize,
    /// The alliances that bound anyone during the year.
    treaties: BTreeSet<String>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = std::env::args()
        .nth(1)
        .map_or_else(|| root.join("data/atop-4.0"), PathBuf::from);
    let read = |name: &str| {
        std::fs::read_to_string(data.join(name)).map_err(|e| {
            format!(
                "cannot read {}: {e} (pass the ATOP data folder as the argument)",
                data.join(name).display()
            )
        })
    };
    let (alliances, members) = (read("atop-alliance-level.csv")?, read("atop-member-level.csv")?);
    let import = casus_atop::import(
        CsvText {
            name: "atop-alliance-level.csv",
            text: &alliances,
        },
        CsvText {
            name: "atop-member-level.csv",
            text: &members,
        },
    )?;
    for p in &import.problems {
        eprintln!("{p}");
    }
    let engine = import.rule_set()?.compile()?;

    let mut years = Vec::new();
    for year in FIRST..=LAST {
        let mut mid: BTreeMap<String, Status> = BTreeMap::new();
        let mut any_time = BTreeSet::new();
        let mut treaties = BTreeSet::new();
        let mut day = jiff::civil::date(year, 1, 1);
        while day.year() == year {
            let on_1_july = (day.month(), day.day()) == (7, 1);
            for p in casus_atop::defenders(&engine, TARGET, &When::Day(day))? {
                if on_1_july {
                    let slot = mid.entry(p.obligor.clone()).or_insert(p.status);
                    *slot = (*slot).min(p.status);
                }
                any_time.insert(p.obligor);
                treaties.insert(p.treaty);
            }
            day = day.tomorrow()?;
        }
        let definite = mid.values().filter(|s| **s == Status::Definite).count();
        years.push(Year {
            year,
            definite,
            contingent: mid.len() - definite,
            any_time: any_time.len(),
            treaties,
        });
    }

    println!("States bound to defend Belgium (ATOP 4.0, through Casus)");
    println!(
        "{:<6} {:>12} {:>8} {:>10} {:>12}  alliances in the year",
        "year", "1 July: all", "definite", "contingent", "in the year"
    );
    for y in &years {
        let list: Vec<&str> = y.treaties.iter().map(String::as_str).collect();
        println!(
            "{:<6} {:>12} {:>8} {:>10} {:>12}  {}",
            y.year,
            y.definite + y.contingent,
            y.definite,
            y.contingent,
            y.any_time,
            list.join(", ")
        );
    }

    let svg = root.join("docs/atop-belgium.svg");
    draw(&svg, &years)?;
    println!("chart: {}", svg.display());
    Ok(())
}

fn draw(path: &std::path::Path, years: &[Year]) -> Result<(), Box<dyn Error>> {
    let top = years.iter().map(|y| y.any_time).max().unwrap_or(0) + 2;
    let area = SVGBackend::new(path, (960, 480)).into_drawing_area();
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "States bound to defend Belgium, 1830-2018 (ATOP 4.0, via Casus)",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(i32::from(FIRST)..i32::from(LAST), 0..i32::try_from(top)?)?;
    chart
        .configure_mesh()
        .x_desc("year")
        .y_desc("states")
        .x_labels(20)
        .light_line_style(WHITE)
        .draw()?;
    let n = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
    let series: [Series; 3] = [
        ("bound at some time in the year", RGBColor(170, 170, 170), |y| {
            y.any_time
        }),
        (
            "bound on 1 July (definite or contingent)",
            RGBColor(31, 119, 180),
            |y| y.definite + y.contingent,
        ),
        ("bound on 1 July, definitely", RGBColor(255, 127, 14), |y| y.definite),
    ];
    for (label, color, value) in series {
        chart
            .draw_series(LineSeries::new(
                years.iter().map(|y| (i32::from(y.year), n(value(y)))),
                color.stroke_width(2),
            ))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    area.present()?;
    Ok(())
}
