//! The server reloads what an edit changes and nothing more, and what it publishes after an
//! edit is what a server started afresh on the edited text publishes: an edit of a rule file
//! parses that file again (not the rule set), an edit of a scenario reloads no rule set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use casus_lsp::Server;
use lsp_server::{Message, Notification};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn uri(path: &str) -> String {
    format!("file://{}", repo().join(path).display())
}

fn server() -> Server {
    let mut server = Server::new();
    server.initialize(&json!({"rootUri": uri("")}));
    server
}

fn open(server: &mut Server, path: &str, text: &str) -> Vec<Message> {
    server.handle(Message::Notification(Notification::new(
        "textDocument/didOpen".into(),
        json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
    )))
}

fn change(server: &mut Server, path: &str, version: i32, text: &str) -> Vec<Message> {
    server.handle(Message::Notification(Notification::new(
        "textDocument/didChange".into(),
        json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
    )))
}

/// What an editor shows after receiving `messages`: the last diagnostics published for each
/// file, files with none left out.
fn shown(view: &mut BTreeMap<String, Value>, messages: &[Message]) {
    for m in messages {
        if let Message::Notification(n) = m
            && n.method == "textDocument/publishDiagnostics"
        {
            let file = n.params["uri"].as_str().unwrap().to_string();
            let list = n.params["diagnostics"].clone();
            if list.as_array().unwrap().is_empty() {
                view.remove(&file);
            } else {
                view.insert(file, list);
            }
        }
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

const NATO: &str = "rules/treaties/nato.yaml";

#[test]
fn an_edit_of_a_rule_file_publishes_what_a_fresh_load_does() {
    let text = read(NATO);
    let broken = text.replacen("{party: GBR, joined: 1949-08-24", "{party: GBRR, joined: 1949-08-24", 1);
    assert_ne!(text, broken);
    let mut edited = server();
    let mut view = BTreeMap::new();
    shown(&mut view, &open(&mut edited, NATO, &text));
    let clean = view.clone();
    let (loads, parsed) = (edited.rule_set_loads(), edited.rule_files_parsed());
    assert!(parsed > 100, "the first load parses every rule file ({parsed})");

    for (version, now) in [(2, &broken), (3, &text), (4, &broken)] {
        shown(&mut view, &change(&mut edited, NATO, version, now));
        let mut fresh = server();
        let mut expected = BTreeMap::new();
        shown(&mut expected, &open(&mut fresh, NATO, now));
        assert_eq!(view, expected, "version {version}");
        assert_eq!(fresh.rule_files_parsed(), parsed);
    }
    // Each edit reloaded the rule set once and parsed the edited file only.
    assert_eq!(edited.rule_set_loads(), loads + 3);
    assert_eq!(edited.rule_files_parsed(), parsed + 3);

    // The misspelt party is reported in the edited file, and gone once it is put back.
    let nato = uri(NATO);
    let said = view[&nato].to_string();
    assert!(said.contains("GBRR"), "{said}");
    shown(&mut view, &change(&mut edited, NATO, 5, &text));
    assert_eq!(view, clean);
}

#[test]
fn an_edit_of_a_scenario_reloads_no_rule_set() {
    let scenario = "examples/scenarios/nato/hawaii.yaml";
    let text = read(scenario);
    let mut server = server();
    let first = open(&mut server, scenario, &text);
    assert!(!first.is_empty());
    let (loads, parsed) = (server.rule_set_loads(), server.rule_files_parsed());
    assert_eq!(loads, 1, "opening the scenario loads its rule set");
    let misspelt = text.replacen("USA", "USAA", 1);
    assert_ne!(misspelt, text);
    for (version, now) in [(2, &misspelt), (3, &text)] {
        let out = change(&mut server, scenario, version, now);
        let mut view = BTreeMap::new();
        shown(&mut view, &out);
        assert_eq!(view.contains_key(&uri(scenario)), version == 2, "{view:?}");
    }
    assert_eq!((server.rule_set_loads(), server.rule_files_parsed()), (loads, parsed));
}
