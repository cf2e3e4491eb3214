//! The vendored world geometry (`data/natural-earth/places.txt`) and the Equal Earth
//! projection.

use std::sync::OnceLock;

/// The geometry, compiled in; `tools/natural-earth/build.py` writes it.
const DATA: &str = include_str!("../../../../data/natural-earth/places.txt");

/// Where a shape comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// Natural Earth's admin-0 countries, or its admin-1 oblasts of Ukraine.
    NaturalEarth,
    /// A Natural Earth oblast cut along a schematic line of the generator (the held and the
    /// occupied parts of four of Ukraine's oblasts).
    Schematic,
    /// A sea area's simple outline, drawn beneath the land.
    Sea,
}

/// One place's land (or water), in degrees.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// The ids it may join to, in order: alpha-3, alpha-2, numeric; or a gazetteer id, then
    /// the country it lies in (`UA-46`, `UKR`).
    pub ids: Vec<String>,
    pub source: Source,
    /// Where its label goes (lon, lat).
    pub label: (f64, f64),
    pub name: String,
    /// Rings of (lon, lat); holes are drawn with the even-odd rule.
    pub rings: Vec<Vec<(f64, f64)>>,
}

impl Shape {
    /// The id the shape is known by without a rule set: its first.
    pub fn key(&self) -> &str {
        self.ids.first().map_or("", String::as_str)
    }

    /// Whether it is a subdivision drawn within its country (`UA-46`, `UKR`).
    pub fn is_subdivision(&self) -> bool {
        self.ids.len() > 1 && self.key().contains('-')
    }
}

/// Every shape of the vendored file, parsed once.
pub(crate) fn shapes() -> Result<&'static [Shape], String> {
    static SHAPES: OnceLock<Result<Vec<Shape>, String>> = OnceLock::new();
    SHAPES
        .get_or_init(|| parse(DATA))
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

fn parse(text: &str) -> Result<Vec<Shape>, String> {
    let mut out: Vec<Shape> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("data/natural-earth/places.txt:{}: {what}", n + 1);
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("P ") {
            let mut f = rest.splitn(5, ' ');
            let (Some(ids), Some(src), Some(x), Some(y), Some(name)) =
                (f.next(), f.next(), f.next(), f.next(), f.next())
            else {
                return Err(bad("a place line needs ids, source, label and name"));
            };
            let source = match src {
                "ne" => Source::NaturalEarth,
                "schematic" => Source::Schematic,
                "sea" => Source::Sea,
                _ => return Err(bad("unknown source")),
            };
            let num = |s: &str| s.parse::<f64>().map_err(|_| bad("a label coordinate is not a number"));
            out.push(Shape {
                ids: ids.split(',').filter(|s| *s != "-").map(str::to_string).collect(),
                source,
                label: (num(x)?, num(y)?),
                name: name.to_string(),
                rings: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("R ") {
            let mut ring = Vec::new();
            for pair in rest.split(' ') {
                let (x, y) = pair.split_once(',').ok_or_else(|| bad("a point is not lon,lat"))?;
                let x: i32 = x.parse().map_err(|_| bad("a longitude is not a number"))?;
                let y: i32 = y.parse().map_err(|_| bad("a latitude is not a number"))?;
                ring.push((f64::from(x) / 100.0, f64::from(y) / 100.0));
            }
            out.last_mut()
                .ok_or_else(|| bad("a ring before any place"))?
                .rings
                .push(ring);
        } else {
            return Err(bad("a line is neither a place (P) nor a ring (R)"));
        }
    }
    Ok(out)
}

/// The Equal Earth projection (Šavrič, Patterson and Jenny, 2018) of (lon, lat) in degrees,
/// in units where the equator runs from about -2.71 to 2.71; y grows northward.
pub(crate) fn equal_earth(lon: f64, lat: f64) -> (f64, f64) {
    const A1: f64 = 1.340_264;
    const A2: f64 = -0.081_106;
    const A3: f64 = 0.000_893;
    const A4: f64 = 0.003_796;
    let m = 3f64.sqrt() / 2.0;
    let lambda = lon.clamp(-180.0, 180.0).to_radians();
    let phi = lat.clamp(-90.0, 90.0).to_radians();
    let theta = (m * phi.sin()).asin();
    let t2 = theta * theta;
    let t6 = t2 * t2 * t2;
    let x =
        2.0 * 3f64.sqrt() * lambda * theta.cos() / (3.0 * (9.0 * A4 * t6 * t2 + 7.0 * A3 * t6 + 3.0 * A2 * t2 + A1));
    let y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
    (x, y)
}

/// The part of the world a map shows, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Westernmost longitude.
    pub west: f64,
    /// Southernmost latitude.
    pub south: f64,
    /// Easternmost longitude.
    pub east: f64,
    /// Northernmost latitude.
    pub north: f64,
}

impl Bounds {
    /// The whole world.
    pub const WORLD: Bounds = Bounds {
        west: -180.0,
        south: -90.0,
        east: 180.0,
        north: 90.0,
    };

    /// The projected box that holds the bounds (sampling their edges).
    pub(crate) fn projected(&self) -> (f64, f64, f64, f64) {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for i in 0..=32 {
            let t = f64::from(i) / 32.0;
            let lon = self.west + (self.east - self.west) * t;
            let lat = self.south + (self.north - self.south) * t;
            for (a, b) in [(lon, self.south), (lon, self.north), (self.west, lat), (self.east, lat)] {
                let (x, y) = equal_earth(a, b);
                x0 = x0.min(x);
                x1 = x1.max(x);
                y0 = y0.min(y);
                y1 = y1.max(y);
            }
        }
        (x0, y0, x1, y1)
    }
}

/// Projects onto the picture: `width` pixels across the bounds, `top` pixels below the
/// picture's top edge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    x0: f64,
    y1: f64,
    scale: f64,
    top: f64,
    /// The height of the map in pixels.
    pub height: f64,
}

impl Frame {
    pub fn new(bounds: &Bounds, width: f64, top: f64, max_height: f64) -> Frame {
        let (x0, y0, x1, y1) = bounds.projected();
        let w = (x1 - x0).max(1e-9);
        let h = (y1 - y0).max(1e-9);
        let scale = (width / w).min(max_height / h);
        let x_pad = (width - w * scale) / 2.0;
        Frame {
            x0: x0 - x_pad / scale,
            y1,
            scale,
            top,
            height: h * scale,
        }
    }

    /// Pixel position of (lon, lat).
    pub fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (x, y) = equal_earth(lon, lat);
        ((x - self.x0) * self.scale, self.top + (self.y1 - y) * self.scale)
    }

    /// An SVG path of rings (even-odd), points closer than a third of a pixel merged; empty when
    /// nothing is left.
    pub fn path(&self, rings: &[Vec<(f64, f64)>]) -> String {
        let mut d = String::new();
        for ring in rings {
            let mut last: Option<(f64, f64)> = None;
            let mut part = String::new();
            let mut n = 0;
            for &(lon, lat) in ring {
                let (x, y) = self.point(lon, lat);
                if last.is_some_and(|(lx, ly)| (x - lx).abs() < 0.34 && (y - ly).abs() < 0.34) {
                    continue;
                }
                part.push_str(if n == 0 { "M" } else { "L" });
                part.push_str(&format!("{x:.1} {y:.1}"));
                last = Some((x, y));
                n += 1;
            }
            if n >= 3 {
                d.push_str(&part);
                d.push('Z');
            }
        }
        d
    }

    /// The pixel box of rings: (x0, y0, x1, y1).
    pub fn extent(&self, rings: &[Vec<(f64, f64)>]) -> (f64, f64, f64, f64) {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(lon, lat) in rings.iter().flatten() {
            let (x, y) = self.point(lon, lat);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        (x0, y0, x1, y1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_earth_matches_the_published_extent() {
        // The projection's half-width at the equator and its height at the pole.
        let (x, _) = equal_earth(180.0, 0.0);
        let (_, y) = equal_earth(0.0, 90.0);
        assert!((x - 2.706_629).abs() < 1e-5, "{x}");
        assert!((y - 1.317_362).abs() < 1e-5, "{y}");
        assert_eq!(equal_earth(0.0, 0.0), (0.0, 0.0));
    }

    #[test]
    fn the_vendored_geometry_parses_and_names_the_places_maps_need() {
        let shapes = shapes().unwrap_or_default();
        for id in [
            "USA",
            "US-HI",
            "GF",
            "FRA",
            "SWE",
            "UA-43",
            "UA-40",
            "UA-14",
            "UA-14-OCC",
            "UA-46",
            "UA-30",
            "north_atlantic",
        ] {
            assert!(
                shapes
                    .iter()
                    .any(|s| s.ids.iter().any(|i| i == id) && !s.rings.is_empty()),
                "{id}"
            );
        }
        assert!(parse("R 1,2 3,4 5,6\n").is_err());
        assert!(parse("P X zz 0 0 X\n").is_err());
    }
}
