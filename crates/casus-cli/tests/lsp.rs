//! `casus lsp` spoken to over standard input and output, as an editor does, on the shipped
//! rules: initialize, didOpen, didChange, hover, definition, references, completion,
//! codeAction and codeLens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A running `casus lsp` with the messages it sends, read on a thread of their own.
struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_casus"))
            .arg("lsp")
            .current_dir(repo())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        len = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 0,
        }
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (notifications met on the way are dropped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.next();
            if m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
        }
    }

    /// The next message; a server silent for a minute has hung.
    fn next(&self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(60))
            .expect("the server sent nothing")
    }

    /// The next diagnostics published for `file`.
    fn diagnostics_for(&self, file: &Path) -> Vec<Value> {
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri(file) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

fn at(path: &Path, line: usize, character: usize) -> Value {
    json!({"textDocument": {"uri": uri(path)}, "position": {"line": line, "character": character}})
}

/// The line and column of the first `needle` in `text` (columns in UTF-16 units, as the
/// protocol counts them; these texts are ASCII where it matters).
fn find(text: &str, needle: &str) -> (usize, usize) {
    let off = text.find(needle).unwrap_or_else(|| panic!("{needle} not found"));
    let line = text[..off].matches('\n').count();
    let col = off - text[..off].rfind('\n').map_or(0, |i| i + 1);
    (line, col)
}

fn hover_text(v: &Value) -> String {
    v["contents"]["value"].as_str().unwrap_or_default().to_string()
}

/// One editor session, scripted as an editor runs it: open, misspell, fix, hover, jump,
/// complete, then a scenario and a properties file. Over 100 lines because it is one session
/// against one server: each step reads the state the steps before it left (the open documents,
/// the published diagnostics, the rule set loaded once), so cutting it would start a server
/// per part and test sessions no editor has.
#[test]
fn an_editor_session_on_the_shipped_rules() {
    let root = repo();
    let nato = root.join("rules/treaties/nato.yaml");
    let text = std::fs::read_to_string(&nato).unwrap();
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["hoverProvider"], json!(true), "{init}");
    c.notify("initialized", json!({}));

    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&nato), "languageId": "yaml", "version": 1, "text": text}}),
    );
    assert_eq!(
        c.diagnostics_for(&nato),
        Vec::<Value>::new(),
        "the shipped NATO file is clean"
    );

    // A misspelt party: one diagnostic at the id, with its did-you-mean.
    let broken = text.replacen("{party: GBR, joined: 1949-08-24", "{party: GBRR, joined: 1949-08-24", 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&nato), "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diags = c.diagnostics_for(&nato);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let (line, col) = find(&broken, "GBRR");
    assert_eq!(diags[0]["range"]["start"], json!({"line": line, "character": col}));
    assert_eq!(diags[0]["range"]["end"], json!({"line": line, "character": col + 4}));
    let message = diags[0]["message"].as_str().unwrap();
    assert!(
        message.contains("unknown party `GBRR`") && message.contains("did you mean `GBR`?"),
        "{message}"
    );
    assert_eq!(diags[0]["severity"], json!(1));

    // Its quick fix replaces the id.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&nato)}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    let edit = &actions[0]["edit"]["changes"][uri(&nato)][0];
    assert_eq!(actions[0]["title"], "Replace with `GBR`");
    assert_eq!(edit["newText"], "GBR");
    assert_eq!(edit["range"], diags[0]["range"]);

    // Fixed again: the diagnostics are cleared.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&nato), "version": 3}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(c.diagnostics_for(&nato), Vec::<Value>::new());

    // Hover on a party, a clause, a level.
    let (line, col) = find(&text, "{party: GBR, joined: 1949-08-24");
    let hover = c.request("textDocument/hover", at(&nato, line, col + 9));
    assert!(
        hover_text(&hover).contains("**United Kingdom** — state `GBR`"),
        "{hover}"
    );
    let (line, col) = find(&text, "level: assist");
    let hover = c.request("textDocument/hover", at(&nato, line, col + 8));
    assert!(
        hover_text(&hover).contains("`assist` (Level): Must take the action it deems necessary"),
        "{hover}"
    );

    // Definition: GBR is declared in rules/world/parties.yaml.
    let (line, col) = find(&text, "{party: GBR, joined: 1949-08-24");
    let def = c.request("textDocument/definition", at(&nato, line, col + 9));
    let parties = root.join("rules/world/parties.yaml");
    let ptext = std::fs::read_to_string(&parties).unwrap();
    let (dline, dcol) = find(&ptext, "{id: GBR,");
    assert!(
        def.as_array()
            .unwrap()
            .iter()
            .any(|l| l["uri"] == uri(&parties) && l["range"]["start"] == json!({"line": dline, "character": dcol + 5})),
        "{def}"
    );

    // References to GBR: its declaration and its uses, across the files of the rule set.
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&nato)}, "position": {"line": line, "character": col + 9}, "context": {"includeDeclaration": true}}),
    );
    let refs = refs.as_array().unwrap();
    let files: std::collections::BTreeSet<&str> = refs.iter().map(|r| r["uri"].as_str().unwrap()).collect();
    assert!(
        files.contains(uri(&nato).as_str()) && files.contains(uri(&parties).as_str()),
        "{files:?}"
    );
    assert!(
        refs.iter()
            .any(|l| l["range"]["start"] == json!({"line": dline, "character": dcol + 5})),
        "the declaration is among the references"
    );
    assert!(files.len() > 5, "{files:?}");

    // Completion after `level:` offers the levels with their meanings.
    let completion = c.request("textDocument/completion", at(&nato, find(&text, "level: assist").0, 0));
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "non_aggression",
            "neutrality",
            "consult",
            "diplomatic",
            "assist",
            "all_means",
            "military"
        ]
    );
    // Elsewhere, the ids with their names.
    let completion = c.request("textDocument/completion", at(&nato, line, col + 9));
    let gbr = completion
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "GBR")
        .unwrap();
    assert_eq!(gbr["detail"], "party — United Kingdom");

    // A scenario: checked against rules/, its verdict on the first line.
    let scenario = root.join("examples/scenarios/nato/hawaii.yaml");
    let stext = std::fs::read_to_string(&scenario).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&scenario), "languageId": "yaml", "version": 1, "text": stext}}),
    );
    assert_eq!(c.diagnostics_for(&scenario), Vec::<Value>::new());
    let lens = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&scenario)}}),
    );
    let title = lens[0]["command"]["title"].as_str().unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_casus"))
        .args(["eval", "--format", "json"])
        .arg(&scenario)
        .current_dir(&root)
        .output()
        .unwrap();
    let verdict: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let obliged = verdict["obligations"].as_array().unwrap().len();
    if obliged == 0 {
        assert_eq!(title, "no party is obliged");
    } else {
        assert!(title.starts_with(&format!("{obliged} obliged: ")), "{title}");
    }

    // A misspelt target in the scenario: an error at the id, the rule set not reloaded.
    let broken = stext.replacen("target: USA", "target: USAA", 1);
    assert_ne!(broken, stext);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&scenario), "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diags = c.diagnostics_for(&scenario);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        diags[0]["message"].as_str().unwrap().contains("unknown party `USAA`"),
        "{diags:?}"
    );
    let (line, col) = find(&broken, "USAA");
    assert_eq!(diags[0]["range"]["start"], json!({"line": line, "character": col}));

    // A properties file: checked against rules/, its misspelt level reported.
    let props = root.join("examples/properties/library.yaml");
    let ptext = std::fs::read_to_string(&props).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&props), "languageId": "yaml", "version": 1, "text": ptext}}),
    );
    assert_eq!(c.diagnostics_for(&props), Vec::<Value>::new());
    let broken = ptext.replacen("level: military}", "level: militry}", 1);
    assert_ne!(broken, ptext);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&props), "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diags = c.diagnostics_for(&props);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(
        diags[0]["range"]["start"]["line"],
        json!(find(&broken, "militry").0),
        "{diags:?}"
    );
    c.stop();
}
