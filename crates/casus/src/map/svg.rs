//! Writes a [`Map`] as SVG: sea areas, land, labels, title, legend and the source line.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Map;
use super::geo::{Frame, Shape, Source};

const WIDTH: f64 = 1000.0;
const TOP: f64 = 52.0;
const MAX_MAP_HEIGHT: f64 = 560.0;
const WATER: &str = "#eaf1f7";
const SEA_NONE: &str = WATER;
const LAND_NONE: &str = "#f2efe9";
const ABSENT: &str = "#ffffff";

/// The fill of a shading.
pub(crate) fn fill(shade: &str) -> &'static str {
    match shade {
        "military-definite" => "#67000d",
        "military-contingent" => "#c9969b",
        "all_means-definite" => "#cb181d",
        "all_means-contingent" => "#eea5a6",
        "assist-definite" => "#f16913",
        "assist-contingent" => "#fbc79e",
        "diplomatic-definite" => "#2171b5",
        "diplomatic-contingent" => "#a9cbe8",
        "consult-definite" => "#6baed6",
        "consult-contingent" => "#cfe3f2",
        "neutrality-definite" => "#737373",
        "neutrality-contingent" => "#c7c7c7",
        "subject" | "target" => "#08306b",
        "attacker" => "#3f007d",
        "only-old" => "#d7301f",
        "only-new" => "#1a9850",
        "weaker" => "#f46d43",
        "stronger" => "#66bd63",
        "changed" => "#fee08b",
        "same" => "#d9d9d9",
        "target-round-1" => "#2171b5",
        "target-round-2" => "#4292c6",
        "target-round-3" => "#9ecae1",
        "target-round-4" => "#c6dbef",
        "attacker-round-1" => "#cb181d",
        "attacker-round-2" => "#ef3b2c",
        "attacker-round-3" => "#fc9272",
        "attacker-round-4" => "#fcbba1",
        "absent" => ABSENT,
        _ => LAND_NONE,
    }
}

/// Escapes text for an SVG text node or attribute value.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// The id and shading a shape is drawn with.
fn shading<'m>(map: &'m Map, s: &'m Shape) -> (&'m str, &'m str, Option<&'m str>) {
    let id = map.drawn_as.get(s.key()).map_or(s.key(), String::as_str);
    match map.shades.get(id) {
        Some((shade, detail)) => (id, shade.as_str(), Some(detail.as_str())),
        None if map.known.contains(id) => (id, "none", None),
        None => (id, "absent", None),
    }
}

/// How a map projects onto its picture.
pub(crate) fn frame(map: &Map) -> Frame {
    Frame::new(&map.bounds, WIDTH, TOP, MAX_MAP_HEIGHT)
}

pub(crate) fn render(map: &Map, shapes: &[Shape]) -> String {
    let frame = frame(map);
    let legend_rows = map.legend.len().div_ceil(3);
    let legend_top = TOP + frame.height + 12.0;
    let height = (legend_top + 20.0 * legend_rows as f64 + 30.0).round();
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif">"#
    );
    let _ = writeln!(o, "<title>{}</title>", esc(&map.title));
    let _ = writeln!(o, r##"<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>"##);
    let _ = writeln!(
        o,
        r#"<clipPath id="map-area"><rect x="0" y="{TOP}" width="{WIDTH}" height="{:.1}"/></clipPath>"#,
        frame.height
    );
    let _ = writeln!(
        o,
        r##"<g clip-path="url(#map-area)"><path class="sphere" fill="{WATER}" stroke="#b8c8d8" stroke-width="0.6" d="{}"/>"##,
        frame.path(&[sphere()])
    );
    draw_places(&mut o, map, shapes, &frame);
    draw_labels(&mut o, map, shapes, &frame);
    o.push_str("</g>\n");
    // A long title is set smaller so that it fits the width.
    let title_size = (1700.0 / map.title.chars().count().max(1) as f64).clamp(12.0, 17.0);
    let _ = writeln!(
        o,
        r##"<text x="12" y="22" font-size="{title_size:.1}" font-weight="bold" fill="#222222">{}</text>"##,
        esc(&map.title)
    );
    let _ = writeln!(
        o,
        r##"<text x="12" y="42" font-size="11.5" fill="#444444">{}</text>"##,
        esc(&map.subtitle)
    );
    draw_legend(&mut o, map, legend_top);
    let _ = writeln!(
        o,
        r##"<text x="12" y="{:.1}" font-size="9" fill="#777777">Land: Natural Earth (public domain), countries 1:50m, Ukraine's oblasts 1:10m. Schematic: sea areas, the line between held and occupied parts. Equal Earth projection.</text>"##,
        height - 8.0
    );
    o.push_str("</svg>\n");
    o
}

/// The outline of the whole world: the meridians ±180°.
fn sphere() -> Vec<(f64, f64)> {
    let west = (0..=36).map(|i| (-180.0, -90.0 + 5.0 * f64::from(i)));
    let east = (0..=36).map(|i| (180.0, 90.0 - 5.0 * f64::from(i)));
    west.chain(east).collect()
}

fn draw_places(o: &mut String, map: &Map, shapes: &[Shape], frame: &Frame) {
    // Seas first, beneath the land; then the land.
    for pass in [true, false] {
        for s in shapes.iter().filter(|s| (s.source == Source::Sea) == pass) {
            let (x0, y0, x1, y1) = frame.extent(&s.rings);
            if x1 < 0.0 || x0 > WIDTH || y1 < TOP || y0 > TOP + frame.height {
                continue;
            }
            let d = frame.path(&s.rings);
            if d.is_empty() {
                continue;
            }
            let (id, shade, detail) = shading(map, s);
            let (class, fill_of, extra) = if pass {
                let f = if shade == "none" || shade == "absent" {
                    SEA_NONE
                } else {
                    fill(shade)
                };
                ("sea", f, r#" fill-opacity="0.45""#)
            } else {
                ("place", fill(shade), r##" stroke="#ffffff" stroke-width="0.4""##)
            };
            let holder = map
                .holders
                .get(id)
                .map(|h| format!(r#" data-holder="{}""#, esc(h)))
                .unwrap_or_default();
            let _ = write!(
                o,
                r#"<path class="{class}" data-place="{}" data-shade="{shade}"{holder} fill="{fill_of}" fill-rule="evenodd"{extra} d="{d}"><title>{}</title></path>"#,
                esc(id),
                esc(&title_of(s, id, detail))
            );
            o.push('\n');
        }
    }
}

fn title_of(s: &Shape, id: &str, detail: Option<&str>) -> String {
    let name = if s.key() == id {
        s.name.clone()
    } else {
        format!("{} (drawn on {})", id, s.name)
    };
    match detail {
        Some(d) => format!("{id} {name}: {d}"),
        None => format!("{id} {name}"),
    }
}

/// Labels the shaded places wide enough to carry one, once per id, on the largest shape; the
/// places that take their party's shading (Ukraine's oblasts) once as the party, in the
/// middle of them all.
fn draw_labels(o: &mut String, map: &Map, shapes: &[Shape], frame: &Frame) {
    let mut best: BTreeMap<&str, (f64, (f64, f64))> = BTreeMap::new();
    let mut groups: BTreeMap<&str, (f64, f64, f64, f64)> = BTreeMap::new();
    for s in shapes.iter().filter(|s| s.source != Source::Sea) {
        let (id, shade, _) = shading(map, s);
        if shade == "none" || shade == "absent" {
            continue;
        }
        let (x0, y0, x1, y1) = frame.extent(&s.rings);
        let w = x1 - x0;
        if w.max(y1 - y0) < 4.0 && !s.is_subdivision() {
            // Too small to see: a dot in its colour marks it.
            let (x, y) = frame.point(s.label.0, s.label.1);
            let _ = writeln!(
                o,
                r##"<circle class="marker" data-place="{}" data-shade="{shade}" cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{}" stroke="#333333" stroke-width="0.6"/>"##,
                esc(id),
                fill(shade)
            );
        }
        if let Some(party) = map.inherited.get(id) {
            let g = groups
                .entry(party.as_str())
                .or_insert((f64::MAX, f64::MAX, f64::MIN, f64::MIN));
            *g = (g.0.min(x0), g.1.min(y0), g.2.max(x1), g.3.max(y1));
            continue;
        }
        // Crimea and the oblasts are labelled smaller than a country, on a map of a region.
        let small = (s.source == Source::Schematic || s.is_subdivision()) && map.bounds != super::Bounds::WORLD;
        if (w >= 16.0 || small && w >= 5.0) && best.get(id).is_none_or(|(bw, _)| w > *bw) {
            best.insert(id, (w, frame.point(s.label.0, s.label.1)));
        }
    }
    for (party, (x0, y0, x1, y1)) in groups {
        if x1 - x0 >= 16.0 && !best.contains_key(party) {
            best.insert(party, (x1 - x0, (f64::midpoint(x0, x1), f64::midpoint(y0, y1))));
        }
    }
    let size = if map.bounds == super::Bounds::WORLD { 7.5 } else { 10.0 };
    for (id, (_, (x, y))) in best {
        let _ = writeln!(
            o,
            r##"<text class="label" x="{x:.1}" y="{:.1}" font-size="{size}" text-anchor="middle" fill="#111111" stroke="#ffffff" stroke-width="2" stroke-opacity="0.8" paint-order="stroke">{}</text>"##,
            y + size / 3.0,
            esc(id)
        );
    }
}

fn draw_legend(o: &mut String, map: &Map, top: f64) {
    for (i, e) in map.legend.iter().enumerate() {
        let x = 12.0 + 330.0 * (i % 3) as f64;
        let y = top + 20.0 * (i / 3) as f64;
        let _ = writeln!(
            o,
            r##"<g class="legend" data-shade="{}"><rect x="{x:.0}" y="{y:.0}" width="14" height="12" fill="{}" stroke="#999999" stroke-width="0.5"/><text x="{:.0}" y="{:.0}" font-size="11" fill="#222222">{}</text></g>"##,
            esc(&e.shade),
            fill(&e.shade),
            x + 20.0,
            y + 10.0,
            esc(&e.label)
        );
    }
}
