//! `casus map` as a user runs it: the pictures in docs/ stay what the commands draw, a PNG is
//! rendered without Graphviz, and mistakes are answered like the rest of the CLI.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `casus` in the repository root; returns (exit code, stdout, stderr).
fn casus(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run casus: {e}"));
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The SVG pictures of docs/ and the commands that draw them, as docs/maps.md lists them.
const PICTURES: &[(&str, &str)] = &[
    (
        "docs/map-nato-art5.svg",
        "map coverage --treaty nato/art5 --attacker RUS --date 2026-12-01",
    ),
    (
        "docs/map-teu-42-7.svg",
        "map coverage --treaty teu_42_7 --attacker RUS --date 2026-12-01",
    ),
    (
        "docs/map-ukraine-a-vs-b.svg",
        "map diff rules/drafts/ukraine-coalition-a rules/drafts/ukraine-coalition-b --attacker RUS --date 2026-12-01",
    ),
    (
        "docs/map-1914-cascade.svg",
        "map cascade examples/scenarios/1914/july-10-germany-invades-belgium.yaml --policy worst --region=-12,25,145,70",
    ),
];

/// Fails while a picture in docs/ differs from what its command draws; the message says
/// how to redraw it.
#[test]
fn the_pictures_in_docs_are_what_the_commands_draw() {
    let doc = std::fs::read_to_string(root().join("docs/maps.md")).unwrap();
    for (file, command) in PICTURES {
        let line = format!("casus {command} -o {file}");
        assert!(doc.contains(&line), "docs/maps.md should list `{line}`");
        let args: Vec<&str> = command.split(' ').collect();
        let (code, out, err) = casus(&args);
        assert_eq!(code, 0, "{err}");
        let now = std::fs::read(root().join(file)).unwrap();
        assert!(
            now == out,
            "{file} differs from what `casus {command}` draws; redraw it with `casus {command} -o {file}` \
             (every command: docs/maps.md)"
        );
    }
}

fn pixel(png: &resvg::tiny_skia::Pixmap, (x, y): (f64, f64)) -> String {
    let p = png.pixel(x as u32, y as u32).unwrap().demultiply();
    format!("#{:02x}{:02x}{:02x}", p.red(), p.green(), p.blue())
}

#[test]
fn a_png_is_drawn_without_graphviz() {
    let args = [
        "map",
        "coverage",
        "--treaty",
        "nato/art5",
        "--attacker",
        "RUS",
        "--date",
        "2026-06-01",
        "--format",
        "png",
    ];
    let (code, out, err) = casus(&args);
    assert_eq!(code, 0, "{err}");
    let png = resvg::tiny_skia::Pixmap::decode_png(&out).unwrap();
    // Where the places lie in the picture: the library's own projection of the same map.
    let engine = casus::RuleSet::load(root().join("rules")).unwrap().compile().unwrap();
    let req = casus::map::MapRequest::new(
        casus::map::MapKind::Coverage {
            treaty: Some("nato/art5"),
            attacker: Some("RUS"),
        },
        casus::When::parse("2026-06-01").unwrap(),
        "rules",
    );
    let map = casus::map::build(&engine, &req).unwrap();
    let svg = map.to_svg();
    assert!(svg.contains(&format!(r#"width="{}" height="{}""#, png.width(), png.height())));
    assert_eq!(png.width(), 1000);
    // Montana: NATO Art. 5 assist, definite (orange); Hawaii's Big Island and Siberia: none
    // (the colour of land without obligation); the South Pacific: water.
    assert_eq!(pixel(&png, map.point(-110.0, 46.0)), "#f16913");
    assert_eq!(pixel(&png, map.point(-155.5, 19.6)), "#f2efe9");
    assert_eq!(pixel(&png, map.point(100.0, 62.0)), "#f2efe9");
    assert_eq!(pixel(&png, map.point(-130.0, -30.0)), "#eaf1f7");
}

#[test]
fn mistakes_are_answered_like_the_rest_of_the_cli() {
    for (args, expected) in [
        (
            &["map", "guarantors", "POLL"][..],
            "error: unknown party `POLL` (did you mean `POL`?)\n",
        ),
        (
            &["map", "coverage", "--treaty", "natto"][..],
            "error: unknown treaty `natto` (did you mean `nato`?)\n",
        ),
        (
            &["map", "coverage", "--attacker", "RUSS"][..],
            "error: unknown party `RUSS` (did you mean `RUS`?)\n",
        ),
        (
            &["map", "coverage", "--region", "atlantis"][..],
            "error: unknown region `atlantis`: use world, europe, east-asia, ukraine, or WEST,SOUTH,EAST,NORTH in degrees (e.g. 20,43,42,53)\n",
        ),
    ] {
        let (code, out, err) = casus(args);
        assert_eq!((code, err.as_str()), (2, expected), "{args:?}");
        assert!(out.is_empty());
    }
    // A bad date is worded as `casus guarantors` words it.
    let (code, _, err) = casus(&["map", "guarantors", "POL", "--date", "2026-13-01"]);
    let (code2, _, err2) = casus(&["guarantors", "POL", "--date", "2026-13-01"]);
    assert_eq!((code, err), (code2, err2));
    // A failed map leaves no file behind.
    let out = std::env::temp_dir().join(format!("casus-map-{}.svg", std::process::id()));
    let (code, _, _) = casus(&["map", "exposure", "XX", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(!out.exists());
}

#[test]
fn the_png_of_drafts_a_and_b_shades_the_occupied_oblasts_and_crimea_only() {
    let (a, b) = ("rules/drafts/ukraine-coalition-a", "rules/drafts/ukraine-coalition-b");
    let date = "2026-12-01";
    let args = [
        "map",
        "diff",
        a,
        b,
        "--attacker",
        "RUS",
        "--date",
        date,
        "--format",
        "png",
    ];
    let (code, out, err) = casus(&args);
    assert_eq!(code, 0, "{err}");
    let png = resvg::tiny_skia::Pixmap::decode_png(&out).unwrap();
    let load = |dir: &str| casus::RuleSet::load(root().join(dir)).unwrap().compile().unwrap();
    let (old, new) = (load(a), load(b));
    let kind = casus::map::MapKind::Diff {
        new: &new,
        new_label: b,
        treaty: None,
        attacker: Some("RUS"),
    };
    let map = casus::map::build(
        &old,
        &casus::map::MapRequest::new(kind, casus::When::parse(date).unwrap(), a),
    )
    .unwrap();
    // Weaker under B (orange-red): Crimea, occupied Donetsk and Zaporizhzhia. Covered alike
    // (grey): Lviv, Kharkiv, and the held part of Donetsk oblast. (Away from the labels.)
    for (where_, lon, lat, colour) in [
        ("Crimea", 34.0, 44.9, "#f46d43"),
        ("occupied Donetsk", 38.3, 48.2, "#f46d43"),
        ("occupied Zaporizhzhia (Tokmak)", 35.8, 47.3, "#f46d43"),
        ("Lviv", 24.3, 50.2, "#d9d9d9"),
        ("Kharkiv", 36.25, 49.95, "#d9d9d9"),
        ("held Donetsk (Dobropillia)", 37.1, 48.4, "#d9d9d9"),
    ] {
        assert_eq!(pixel(&png, map.point(lon, lat)), colour, "{where_}");
    }
    // The SVG of the same command names each oblast: Ukraine itself is no shape of its own.
    let (code, svg, err) = casus(&args[..8]);
    assert_eq!(code, 0, "{err}");
    let svg = String::from_utf8(svg).unwrap();
    for (place, shade) in [
        ("UA-43", "weaker"),
        ("UA-14-OCC", "weaker"),
        ("UA-14", "same"),
        ("UA-46", "same"),
        ("UA-30", "same"),
    ] {
        let attrs = format!(r#"data-place="{place}" data-shade="{shade}" data-holder="UKR""#);
        assert!(svg.contains(&attrs), "{attrs}");
    }
    assert!(!svg.contains(r#"data-place="UKR""#));
}
