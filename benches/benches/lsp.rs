//! The language server on the shipped `rules/` (5,417 places): from an edit of a rule file to
//! its diagnostics, and from an edit of a scenario to its diagnostics.
//!
//! Method: criterion's default sampling; a server initialized on the repository with the NATO
//! file open. Timed: one `didChange` of `rules/treaties/nato.yaml` (a misspelt party, then
//! the text as shipped, alternately) up to the `publishDiagnostics` messages it returns, which
//! parses that file again (the others are taken from the rule set's `ParseCache`), re-resolves
//! the rule set and re-indexes that file; one `didChange` of a scenario (the rule set already
//! loaded, not reloaded); and, for comparison, what an edit of a rule file cost before the
//! parse cache: a load of the whole rule set from its text with the buffer in place of the
//! file (`RuleSet::load_with_sources`, every file parsed) and its compilation. Compare medians
//! within one run only: the machines are shared and noisy.

use std::path::PathBuf;

use casus_lsp::Server;
use criterion::{Criterion, criterion_group, criterion_main};
use lsp_server::{Message, Notification};
use serde_json::json;

fn notification(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification::new(method.to_string(), params))
}

fn bench(c: &mut Criterion) {
    let Ok(root) = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize() else {
        return;
    };
    let uri = |p: &str| format!("file://{}", root.join(p).display());
    let Ok(text) = std::fs::read_to_string(root.join("rules/treaties/nato.yaml")) else {
        return;
    };
    let broken = text.replacen("{party: GBR, joined: 1949-08-24", "{party: GBRR, joined: 1949-08-24", 1);
    let mut server = Server::new();
    server.initialize(&json!({"rootUri": uri("")}));
    let open = |server: &mut Server, path: &str, text: &str| {
        server.handle(notification(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
        ))
    };
    open(&mut server, "rules/treaties/nato.yaml", &text);
    let mut version = 1;
    c.bench_function("lsp: edit of rules/treaties/nato.yaml to diagnostics (rules/)", |b| {
        b.iter(|| {
            version += 1;
            let t = if version % 2 == 0 { &broken } else { &text };
            server.handle(notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri("rules/treaties/nato.yaml"), "version": version},
                       "contentChanges": [{"text": t}]}),
            ))
        });
    });
    let rules = [root.join("rules")];
    let mut sources = casus::Sources::new();
    c.bench_function(
        "lsp: full reload of rules/, every file parsed (before the parse cache)",
        |b| {
            b.iter(|| {
                version += 1;
                let t = if version % 2 == 0 { &broken } else { &text };
                sources.insert(root.join("rules/treaties/nato.yaml"), t.as_str());
                casus::RuleSet::load_with_sources(&rules, &casus::Limits::default(), &sources).map(|rs| rs.compile())
            });
        },
    );
    let Ok(scenario) = std::fs::read_to_string(root.join("examples/scenarios/nato/hawaii.yaml")) else {
        return;
    };
    open(&mut server, "examples/scenarios/nato/hawaii.yaml", &scenario);
    c.bench_function("lsp: edit of a scenario to diagnostics (rule set loaded)", |b| {
        b.iter(|| {
            version += 1;
            server.handle(notification(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri("examples/scenarios/nato/hawaii.yaml"), "version": version},
                       "contentChanges": [{"text": scenario}]}),
            ))
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
