// The Casus page: plain JavaScript over the /api/ of `casus serve` (docs/serve.md).
"use strict";
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
const LEVELS = ["consult", "diplomatic", "assist", "all_means", "military"];
let INFO = null;
const partyName = (id) => (INFO.parties.find((p) => p.id === id) || {}).name || id;

async function api(path, opts = {}) {
  const r = await fetch(path, opts);
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw Object.assign(new Error(body.error || body), { body });
  return body;
}
const post = (path, data) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(data) });
const today = () => new Date().toISOString().slice(0, 10);
const table = (heads, rows) => el("table", {}, el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))),
  el("tbody", {}, ...rows.map((r) => r instanceof Node ? r : el("tr", {}, ...r.map((c) => el("td", {}, c))))));

// ---- tabs
function show(name) {
  for (const t of document.querySelectorAll("[role=tab]")) {
    const on = t.id === "tab-" + name;
    t.setAttribute("aria-selected", on);
    $(t.getAttribute("aria-controls")).hidden = !on;
  }
}
for (const t of document.querySelectorAll("[role=tab]")) t.addEventListener("click", () => show(t.id.slice(4)));

function fill(select, values, unknown) {
  select.replaceChildren(...(unknown ? [el("option", { value: "" }, unknown)] : []),
    ...values.map(([v, label]) => el("option", { value: v }, label)));
}

// ---- Ask
function scenarioYaml() {
  const lines = [`date: ${$("ask-date").value}`, `event: ${$("ask-event").value}`];
  const q = (s) => JSON.stringify(s);
  if ($("ask-attacker").value) lines.push(`attacker: ${$("ask-attacker").value}`);
  lines.push(`target: ${$("ask-target").value}`);
  const place = $("ask-place").value.trim();
  if (place) lines.push(`location: ${q(place)}`);
  if ($("ask-on").value) lines.push(`on: ${$("ask-on").value}`);
  if ($("ask-means").value) lines.push(`means: ${$("ask-means").value}`);
  const facts = [...document.querySelectorAll("#ask-facts select")].filter((s) => s.value).map((s) => `${s.dataset.fact}: ${s.value}`);
  if (facts.length) lines.push(`facts: {${facts.join(", ")}}`);
  const inv = [...$("ask-invoked").selectedOptions].map((o) => o.value);
  if (inv.length) lines.push(`invoked: [${inv.join(", ")}]`);
  return lines.join("\n") + "\n";
}

async function evaluate(yaml) {
  $("ask-yaml").value = yaml;
  $("ask-download").href = "data:text/yaml;charset=utf-8," + encodeURIComponent(yaml);
  $("ask-error").hidden = true;
  $("verdict").replaceChildren(el("p", { class: "hint" }, "Evaluating…"));
  const rules = encodeURIComponent($("ask-rules").value);
  try {
    const [v, tableText] = await Promise.all([
      api(`/api/eval?explain=true&rules=${rules}`, { method: "POST", body: yaml }),
      api(`/api/eval?explain=false&format=table&rules=${rules}`, { method: "POST", body: yaml }),
    ]);
    renderVerdict(v, tableText);
    const target = (v.targets || [])[0];
    if (target) showMap($("ask-map"), `kind=guarantors&party=${target}&date=${(v.date || "").slice(0, 10)}&rules=${rules}`);
  } catch (e) {
    $("verdict").replaceChildren();
    $("ask-error").textContent = e.message;
    $("ask-error").hidden = false;
  }
}

function sourceItem(s) {
  const bits = [`${s.citation} (${s.treaty_name}${s.draft ? ", a draft not in force" : ""}): ${s.level}, ${s.status}`];
  if (s.toward) bits.push(`toward ${s.toward}`);
  const forms = s.forms || {};
  for (const k of ["required", "allowed", "excluded"]) if ((forms[k] || []).length) bits.push(`forms ${k}: ${forms[k].join(", ")}`);
  if (s.depends_on && s.depends_on.length) bits.push(`waits on ${s.depends_on.join(", ")}`);
  if (s.deadline) bits.push(`deadline: ${s.deadline}`);
  if (s.caveats && s.caveats.length) bits.push(`caveats: ${s.caveats.join(", ")}`);
  if (s.stage) bits.push(`stage ${s.stage}${s.due ? ", due " + s.due : ""}`);
  return el("li", {}, bits.join("; "));
}

function explanationFor(v, o) {
  const clauses = new Set(o.sources.map((s) => s.treaty + "/" + s.clause));
  const ex = (v.explanation || []).filter((x) => clauses.has(x.treaty + "/" + x.clause));
  return ex.length ? el("pre", { class: "explain" }, ex.map((x) => JSON.stringify(x, null, 1)).join("\n")) : "";
}

function renderVerdict(v, tableText) {
  const out = $("verdict");
  const rows = v.obligations.map((o) => {
    const d = el("details", {}, el("summary", {}, `${o.party} — ${o.name}`),
      el("p", {}, o.depends_on.length ? `Contingent: waits on ${o.depends_on.join(", ")}.` : "Definite: nothing else need be known."),
      el("ul", {}, ...o.sources.map(sourceItem)), explanationFor(v, o));
    const clauses = [...new Set(o.sources.map((s) => s.citation))].join("; ");
    return el("tr", { "data-party": o.party, class: "obligation" }, el("td", {}, d),
      el("td", { class: "lvl-" + o.level + (o.status === "contingent" ? " contingent" : "") }, o.level),
      el("td", {}, o.status), el("td", {}, clauses), el("td", {}, (o.caveats || []).join(", ")));
  });
  const heading = `${v.date || ""}: ${v.event || ""} on ${(v.targets || []).join(", ")}${v.location ? " at " + v.location : ""}`;
  out.replaceChildren(el("h3", {}, heading),
    v.obligations.length ? table(["Party (open for the clauses)", "Level", "Status", "Clauses", "Caveats"], rows)
      : el("p", { id: "nobody" }, "No party is obliged."));
  // Why not: parties that owe nothing, by treaty and reason.
  const groups = new Map();
  for (const n of v.not_obligated || []) {
    const k = `${n.treaty}: ${n.detail}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(n.party);
  }
  if (groups.size) {
    out.append(el("h3", {}, "Who owes nothing, and why"),
      el("ul", { id: "why-not" }, ...[...groups].map(([k, ps]) => el("li", {}, `${k} — ${ps.length} part${ps.length === 1 ? "y" : "ies"}: ${ps.join(" ")}`))));
  }
  for (const w of v.would_apply || []) out.append(el("p", { class: "hint" }, `${w.citation} would apply if ${w.target} were a party: ${w.detail}`));
  out.append(el("details", {}, el("summary", {}, "The table, as the command line prints it"), el("pre", { id: "verdict-table" }, tableText)));
}

$("ask-form").addEventListener("submit", (e) => { e.preventDefault(); evaluate(scenarioYaml()); });
$("ask-yaml-go").addEventListener("click", () => evaluate($("ask-yaml").value));
$("ask-cascade").addEventListener("click", () => { $("cascade-yaml").value = scenarioYaml(); show("graph"); runCascade(); });
let placeTimer = null;
$("ask-place").addEventListener("input", () => {
  clearTimeout(placeTimer);
  const q = $("ask-place").value.trim();
  if (q.length < 2) return;
  placeTimer = setTimeout(async () => {
    const hits = await api(`/api/places?q=${encodeURIComponent(q)}&limit=15`).catch(() => []);
    $("places").replaceChildren(...hits.map((p) => el("option", { value: p.id }, `${p.name} (${p.id}, ${p.sovereign.join("; ")})`)));
  }, 200);
});

/** Opens a scenario (YAML text) in Ask, against a rule set, and evaluates it. */
function openInAsk(yaml, rules) {
  show("ask");
  $("ask-yaml-box").open = true;
  if (rules !== undefined) $("ask-rules").value = rules;
  evaluate(yaml);
}
function toYaml(s) { // a scenario object (from a report) as YAML: JSON is valid YAML
  return Object.entries(s).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n") + "\n";
}

// ---- Maps: the SVG of /api/map, inline so that a place on it can be chosen
async function showMap(box, query, onPlace) {
  const r = await fetch("/api/map?" + query);
  if (!r.ok) { box.replaceChildren(el("p", { class: "hint" }, "No map: " + ((await r.json().catch(() => ({}))).error || r.status))); return; }
  const doc = new DOMParser().parseFromString(await r.text(), "image/svg+xml");
  const svg = doc.documentElement;
  svg.setAttribute("role", "img");
  box.replaceChildren(document.importNode(svg, true));
  box.dataset.query = query;
  if (onPlace) box.firstChild.addEventListener("click", (e) => { const p = e.target.closest("[data-place]"); if (p) onPlace(p.dataset.place, p.dataset.holder); });
}

// ---- Look
const DAY0 = Date.UTC(1945, 0, 1);
const dayToDate = (n) => new Date(DAY0 + n * 86400000).toISOString().slice(0, 10);
const dateToDay = (d) => Math.round((Date.parse(d) - DAY0) / 86400000);
let lookParty = null, lookTimer = null;

function strongest(list) {
  let best = null;
  for (const c of list) {
    const i = LEVELS.indexOf(c.level);
    if (i < 0) continue;
    const rank = (c.status === "definite" ? 10 : 0) + i; // the firmest guarantee first, then the strongest
    if (!best || rank > best.rank) best = { rank, level: c.level, status: c.status };
  }
  return best;
}

let lookSeq = 0;
async function look() {
  const seq = ++lookSeq; // only the latest choice is shown, whichever answer comes back last
  const date = $("look-date").value, rules = encodeURIComponent($("look-rules").value), treaty = $("look-treaty").value;
  const g = await api(`/api/graph?date=${date}&rules=${rules}${treaty ? "&treaties=" + treaty : ""}`).catch((e) => ({ error: e.message }));
  if (seq !== lookSeq) return;
  if (g.error) { $("look-parties").replaceChildren(el("p", { class: "error" }, g.error)); return; }
  const by = new Map();
  for (const c of g.commitments) if (c.occasion === "attacked") (by.get(c.beneficiary) || by.set(c.beneficiary, []).get(c.beneficiary)).push(c);
  const states = INFO.parties.filter((p) => p.kind === "state");
  $("look-parties").replaceChildren(...states.map((p) => {
    const s = strongest(by.get(p.id) || []);
    const cls = s ? `lvl-${s.level}${s.status === "contingent" ? " contingent" : ""}` : "lvl-none";
    const n = (by.get(p.id) || []).length;
    return el("button", { type: "button", role: "listitem", id: "party-" + p.id, class: cls, "data-level": s ? s.level : "none",
      "data-guarantors": n, "aria-pressed": p.id === lookParty, title: `${p.name}: ${s ? s.level + ", " + s.status : "no guarantee"}`,
      onclick: () => { lookParty = p.id; look(); } }, p.id);
  }));
  showMap($("look-map"), `kind=coverage&date=${date}&rules=${rules}${treaty ? "&treaty=" + treaty : ""}`, (place, holder) => { // a place that is not a party (Lviv) shows the party holding it (Ukraine)
    const party = [place, holder].find((id) => id && INFO.parties.some((p) => p.id === id));
    if (party) { lookParty = party; look(); }
  });
  document.body.dataset.lookDate = date;
  if (lookParty) await lookAt(lookParty, date, rules, treaty, seq);
}

async function lookAt(party, date, rules, treaty, seq) {
  $("look-title").textContent = `${partyName(party)} (${party}) on ${date}`;
  const [gs, ex] = await Promise.all([
    api(`/api/guarantors/${party}?date=${date}&rules=${rules}`).catch((e) => e),
    api(`/api/exposure/${party}?date=${date}&rules=${rules}`).catch((e) => e),
  ]);
  if (seq !== lookSeq) return;
  const keep = (c) => !treaty || c.treaty === treaty;
  $("guarantors").replaceChildren(gs instanceof Error ? el("p", { class: "error" }, gs.message)
    : gs.filter(keep).length ? table(["Guarantor", "Under", "Level", "Status"], gs.filter(keep).map((c) =>
      el("tr", { "data-obligor": c.obligor }, el("td", {}, `${c.obligor} ${partyName(c.obligor)}`), el("td", {}, c.citation),
        el("td", { class: "lvl-" + c.level }, c.level), el("td", {}, c.status + (c.depends_on.length ? ` (on ${c.depends_on.join(", ")})` : "")))))
      : el("p", { id: "no-guarantors" }, "Nobody is bound to help it."));
  $("exposure").replaceChildren(ex instanceof Error ? el("p", { class: "error" }, ex.message)
    : ex.classes.filter(keep).length ? table(["Under", "Owed to", "Where", "Level"], ex.classes.filter(keep).map((c) =>
      [c.citation, c.beneficiaries.join(" "), c.place.description, `${c.level}, ${c.status}`]))
      : el("p", {}, "No attack obliges it."));
  $("guarantors").dataset.shown = `${party} ${date}`;
}

function lookSoon() { clearTimeout(lookTimer); lookTimer = setTimeout(look, 150); }
$("look-slider").addEventListener("input", () => { $("look-date").value = dayToDate(+$("look-slider").value); lookSoon(); });
$("look-date").addEventListener("change", () => { $("look-slider").value = dateToDay($("look-date").value); lookSoon(); });
$("look-rules").addEventListener("change", lookSoon);
$("look-treaty").addEventListener("change", lookSoon);

// ---- Draft
async function openDraft() {
  const name = $("draft-open").value;
  if (!name) { $("draft-text").value = ""; return; }
  const d = await api(`/api/drafts/${name}`);
  const f = d.files.find((f) => f.path !== "ruleset.yaml") || d.files[0];
  $("draft-text").value = f ? f.text : "";
  $("draft-download").download = f ? f.path : "draft.yaml";
}
function goToLine(line, column) {
  const t = $("draft-text"), lines = t.value.split("\n");
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  t.focus();
  t.setSelectionRange(start + Math.max(0, column - 1), start + (lines[line - 1] || "").length);
}
async function checkDraft() {
  const r = await post("/api/check", { text: $("draft-text").value }).catch((e) => ({ ok: false, diagnostics: [], rendered: e.message }));
  const items = r.diagnostics.map((d) => {
    const p = d.position;
    const where = p.line ? `${p.file}:${p.line}:${p.column}` : p.file;
    return el("li", { class: d.severity === "error" ? "error-item" : "", tabindex: 0, "data-line": p.line,
      onclick: () => p.file === "<draft>" && p.line && goToLine(p.line, p.column) },
      `${where}: ${d.severity}[${d.code}]: ${d.message}${d.help ? " — help: " + d.help : ""}`);
  });
  $("draft-diags").replaceChildren(...(items.length ? items : [el("li", { id: "draft-ok" }, r.ok ? "No problems: the draft loads." : r.rendered)]));
}
$("draft-load").addEventListener("click", openDraft);
$("draft-check").addEventListener("click", checkDraft);
$("draft-text").addEventListener("input", () => {
  $("draft-download").href = "data:text/yaml;charset=utf-8," + encodeURIComponent($("draft-text").value);
});

function source(select) {
  return select.value === "<text>" ? { text: $("draft-text").value } : { name: select.value };
}
async function runJob(kind, body, progress, cancel, result, render) {
  result.replaceChildren(el("p", { class: "hint" }, "Loading…"));
  let job;
  try { job = (await post(`/api/${kind}`, body)).job; } catch (e) {
    result.replaceChildren(el("pre", { class: "error" }, e.message)); return;
  }
  progress.hidden = false; cancel.disabled = false;
  cancel.onclick = () => api(`/api/jobs/${job}`, { method: "DELETE" });
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const j = await api(`/api/jobs/${job}`).catch((e) => ({ state: "failed", error: e.message }));
    if (j.total) { progress.max = j.total; progress.value = j.done; }
    result.replaceChildren(el("p", { class: "hint" }, `Running… ${j.done || 0} of ${j.total || "?"}`));
    if (j.state === "running") continue;
    progress.hidden = true; cancel.disabled = true;
    if (j.state === "done") render(j.result);
    else result.replaceChildren(el("p", { class: "error", id: kind + "-stopped" }, j.state === "cancelled" ? "Cancelled." : j.error));
    return;
  }
}
$("verify-go").addEventListener("click", () => {
  const body = { rules: source($("verify-rules")) };
  if ($("verify-props").value) body.properties = $("verify-props").value; else body.properties_text = $("verify-text").value;
  const rules = $("verify-rules").value;
  runJob("verify", body, $("verify-progress"), $("verify-cancel"), $("verify-result"), (r) => {
    $("verify-result").replaceChildren(table(["Property", "Outcome", "Why / counterexample"], r.properties.map((p) => {
      const cx = p.counterexample;
      return el("tr", { "data-property": p.id }, el("td", {}, p.id), el("td", { class: "outcome-" + p.outcome }, p.outcome),
        el("td", {}, cx ? cx.why : "", cx ? el("button", { type: "button", onclick: () => openInAsk(toYaml(cx.scenario), rules === "<text>" ? "" : rules) }, "Open in Ask") : ""));
    })));
  });
});
$("diff-go").addEventListener("click", () => {
  const body = { old: source($("diff-old")), new: source($("diff-new")) };
  const rules = $("diff-new").value;
  const named = body.old.name && body.new.name;
  runJob("diff", body, $("diff-progress"), $("diff-cancel"), $("diff-result"), (r) => {
    if (named) showMap($("diff-map"), `kind=diff&rules=${encodeURIComponent(body.old.name)}&new=${encodeURIComponent(body.new.name)}`);
    const places = new Set(r.groups.flatMap((g) => g.places || []));
    $("diff-result").replaceChildren(
      el("p", {}, r.groups.length ? `${r.groups.length} changes; places where a verdict changes:` : "No verdict changes."),
      el("p", { id: "diff-places" }, ...[...places].sort().flatMap((p) => [el("mark", { "data-place": p }, p), " "])),
      table(["Target", "Attacker", "Places", "Party", "Old", "New", ""], r.groups.map((g) => [g.target, g.attacker, g.place, g.party,
        `${g.old.level || "none"} ${g.old.status || ""}`, `${g.new.level || "none"} ${g.new.status || ""}`,
        el("button", { type: "button", onclick: () => openInAsk(toYaml(g.example), rules === "<text>" ? "" : rules) }, "Open in Ask")])));
  });
});

// ---- Graph and cascade
async function showGraph() {
  const q = `date=${$("graph-date").value}&rules=${encodeURIComponent($("graph-rules").value)}${$("graph-treaty").value ? "&treaties=" + $("graph-treaty").value : ""}`;
  $("graph-dot").href = "/api/graph?format=dot&" + q;
  const g = await api("/api/graph?" + q).catch((e) => ({ error: e.message }));
  if (g.error) { $("graph-result").replaceChildren(el("pre", { class: "error" }, g.error)); return; }
  $("graph-result").replaceChildren(el("p", {}, `${g.commitments.length} commitments between ${g.parties.length} parties on ${g.date}.`),
    table(["Bound", "To help", "When it is", "Under", "Level", "Status"], g.commitments.map((c) =>
      [c.obligor, c.beneficiary, c.occasion, c.citation, c.level, c.status])));
}
$("graph-go").addEventListener("click", showGraph);

let CASCADE = null;
async function runCascade() {
  $("cascade-error").hidden = true;
  try {
    CASCADE = await api(`/api/cascade?policy=${$("cascade-policy").value}&rules=${encodeURIComponent($("graph-rules").value)}`, { method: "POST", body: $("cascade-yaml").value });
  } catch (e) { $("cascade-error").textContent = e.message; $("cascade-error").hidden = false; return; }
  $("cascade-round").max = Math.max(1, CASCADE.rounds.length);
  $("cascade-round").value = CASCADE.rounds.length;
  drawCascade();
}
function drawCascade() {
  if (!CASCADE) return;
  const upto = +$("cascade-round").value;
  $("cascade-round-out").textContent = `${upto} of ${CASCADE.rounds.length}`;
  const shown = CASCADE.rounds.filter((r) => r.number <= upto);
  $("cascade-result").replaceChildren(...shown.map((r) => el("div", { class: "round" }, el("h4", {}, `Round ${r.number}`),
    el("ul", {}, ...r.events.map((e) => el("li", { class: "hint" }, `${e.event}: ${(e.attackers || ["unknown"]).join(", ")} → ${e.targets.join(", ")} (${e.cause})`))),
    r.entrants.length ? table(["Enters", "Side", "Helps", "Against", "Level", "Status"], r.entrants.map((x) =>
      [`${x.party} ${x.name}`, x.side, x.helps, x.against.join(" "), x.level, x.status])) : el("p", {}, "No one new enters."))));
}
$("cascade-go").addEventListener("click", runCascade);
$("cascade-round").addEventListener("input", drawCascade);

// ---- start
async function start() {
  INFO = await api("/api/info");
  $("rules-name").textContent = INFO.name;
  const states = INFO.parties.filter((p) => p.kind === "state").map((p) => [p.id, `${p.name} (${p.id})`]);
  const rules = [["main", "the main rule set"], ...INFO.drafts.map((d) => [d, d])];
  for (const s of document.querySelectorAll(".rules-choice")) {
    fill(s, s.classList.contains("with-text") ? [...rules, ["<text>", "the text in the editor"]] : rules);
  }
  fill($("ask-attacker"), states, "unknown");
  fill($("ask-target"), states);
  fill($("ask-event"), INFO.events.map((e) => [e, e]));
  fill($("ask-on"), INFO.on.map((e) => [e, e]), "unknown");
  fill($("ask-means"), INFO.means.map((e) => [e, e]), "unknown");
  fill($("ask-invoked"), INFO.treaties.map((t) => [t.id, t.name]));
  for (const id of ["look-treaty", "graph-treaty"]) $(id).append(...INFO.treaties.map((t) => el("option", { value: t.id }, t.name)));
  $("ask-facts").replaceChildren(...INFO.facts.map((f) => el("label", { title: f.description }, f.id,
    el("select", { "data-fact": f.id, "aria-label": f.id }, el("option", { value: "" }, "unknown"), el("option", { value: "true" }, "yes"), el("option", { value: "false" }, "no")))));
  $("draft-open").append(...INFO.drafts.map((d) => el("option", { value: d }, d)));
  $("verify-props").prepend(...INFO.properties.map((p) => el("option", { value: p }, p)));
  $("verify-props").selectedIndex = 0;
  if (INFO.drafts.length > 1) { $("diff-old").value = INFO.drafts[0]; $("diff-new").value = INFO.drafts[1]; }
  for (const id of ["ask-date", "look-date", "graph-date"]) $(id).value = today();
  $("ask-attacker").value = INFO.parties.some((p) => p.id === "RUS") ? "RUS" : "";
  $("look-slider").value = dateToDay(today());
  $("look-legend").replaceChildren("Firmest guarantee held: ", ...LEVELS.map((l) => el("span", { class: "lvl-" + l }, l)),
    el("span", { class: "lvl-assist contingent" }, "striped: contingent"), el("span", { class: "lvl-none" }, "none"));
  document.body.dataset.ready = "true";
  look();
}
start().catch((e) => { document.body.prepend(el("pre", { class: "error" }, "The page could not start: " + e.message)); });
