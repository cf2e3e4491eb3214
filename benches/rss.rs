//! Peak memory (RSS high-water mark) after loading a synthetic world, in a fresh process so
//! the two loaders do not share a heap: `cargo run --release -p casus-benches --bin casus-rss
//! -- L casus` (load, then `compile`, which copies the engine), `-- L engine` (load, then
//! `into_engine`) and `-- L baseline` (the hand-written loader of the same YAML), `-- L json` (the
//! hand-written loader of the same world as JSON); `-- L build` writes the compiled form that
//! `-- L compiled` loads.

use casus_benches::{Baseline, Size, World};

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(String::from))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let size = match args.next().as_deref() {
        Some("S") => Size::S,
        Some("M") => Size::M,
        Some("L") => Size::L,
        _ => return Err("usage: casus-rss S|M|L casus|engine|baseline|json|ruleset|build|compiled|none".into()),
    };
    let who = args.next().unwrap_or_else(|| "casus".into());
    let dir = std::env::temp_dir().join(format!("casus-rss-{}", size.name()));
    if !dir.join("world.yaml").is_file() || !casus_benches::json_dir(&dir).join("world.json").is_file() {
        World::generate(size, &dir).map_err(|e| e.to_string())?;
    }
    let before = peak_kib();
    match who.as_str() {
        "casus" => {
            let e = casus::RuleSet::load(&dir)
                .map_err(|e| e.to_string())?
                .compile()
                .map_err(|e| e.to_string())?;
            println!("{} {who}: {} parties loaded", size.name(), e.parties().len());
        }
        "engine" => {
            // Files to a ready engine without keeping the rule set (no copy of the engine).
            let e = casus::RuleSet::load(&dir)
                .map_err(|e| e.to_string())?
                .into_engine()
                .map_err(|e| e.to_string())?;
            println!("{} {who}: {} parties loaded", size.name(), e.parties().len());
        }
        "build" => {
            let r = casus::RuleSet::load(&dir).map_err(|e| e.to_string())?;
            let (_, bytes) = r.build(&dir.display().to_string()).map_err(|e| e.to_string())?;
            std::fs::write(dir.with_extension("casus"), &bytes).map_err(|e| e.to_string())?;
            println!("{} {who}: {} bytes written", size.name(), bytes.len());
        }
        "compiled" => {
            let e = casus::Engine::load_compiled(&dir.with_extension("casus"), &casus::Limits::default())
                .map_err(|e| format!("{e} (run `casus-rss {} build` first)", size.name()))?;
            println!("{} {who}: {} parties loaded", size.name(), e.parties().len());
        }
        "ruleset" => {
            let r = casus::RuleSet::load(&dir).map_err(|e| e.to_string())?;
            println!("{} {who}: {} diagnostics", size.name(), r.diagnostics().items().len());
        }
        "baseline" => {
            let b = Baseline::load(&dir)?;
            println!("{} {who}: {} parties loaded", size.name(), b.party_ids.len());
        }
        "json" => {
            let b = Baseline::load_json(&casus_benches::json_dir(&dir))?;
            println!("{} {who}: {} parties loaded", size.name(), b.party_ids.len());
        }
        _ => {}
    }
    println!(
        "{} {who}: peak RSS {} KiB (before loading {} KiB)",
        size.name(),
        peak_kib(),
        before
    );
    Ok(())
}
