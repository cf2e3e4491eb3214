//! The server's state and its answer to each message.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use casus::{Engine, Limits, ParseCache, RuleSet, Scenario, ScenarioError, Severity, Sources, YamlKind};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types as lt;
use serde_json::Value;

use crate::index::{Def, FileIndex, Kind};
use crate::text::{Lines, id_char, key_of_line, occurrences, path_of, uri_of, word_at};

/// An open document.
#[derive(Debug, Clone)]
struct Doc {
    text: Arc<str>,
    lines: Lines,
    kind: YamlKind,
    /// The verdict's one-line summary (scenarios), computed on open and save.
    verdict: Option<String>,
}

/// One rule set: its files, their declarations, the compiled engine when it loads, the
/// diagnostics of its last load by file, and its files as parsed (a reload parses again only
/// the files whose text changed).
#[derive(Debug, Default)]
struct Set {
    files: Vec<PathBuf>,
    cache: ParseCache,
    index: BTreeMap<PathBuf, FileIndex>,
    engine: Option<Engine>,
    diagnostics: BTreeMap<PathBuf, Vec<lt::Diagnostic>>,
}

/// The language server: open documents and the rule sets they belong to.
#[derive(Debug, Default)]
pub struct Server {
    /// The workspace folder.
    root: Option<PathBuf>,
    /// The rule set for scenarios that name none (initialization option `rules`).
    rules: Option<PathBuf>,
    docs: BTreeMap<PathBuf, Doc>,
    /// Rule sets by root (a folder or a file), canonical.
    sets: BTreeMap<PathBuf, Set>,
    /// Files to which non-empty diagnostics were last published.
    published: BTreeSet<PathBuf>,
    /// Every word of the closed vocabularies: (word, vocabulary, meaning).
    vocabulary: Vec<(String, String, String)>,
    /// Loads of a rule set so far.
    loads: usize,
    /// Rule files parsed so far, over every load.
    parsed: usize,
    /// Frees replaced engines off the path from an edit to its diagnostics.
    dropper: Dropper,
}

/// A thread that frees what the server no longer needs (the engine a reload replaced: some
/// hundred thousand allocations on a large rule set), so that an edit's diagnostics are not
/// kept waiting for it. Started at the first discard; without a thread (it could not be
/// started, or has ended) the value is freed in place.
#[derive(Debug, Default)]
struct Dropper {
    sender: Option<std::sync::mpsc::Sender<Engine>>,
}

impl Dropper {
    /// Frees `engine` on the dropping thread.
    fn discard(&mut self, engine: Option<Engine>) {
        let Some(engine) = engine else { return };
        if self.sender.is_none() {
            let (sender, receiver) = std::sync::mpsc::channel::<Engine>();
            let started = std::thread::Builder::new()
                .name("casus-lsp-drop".into())
                .spawn(move || receiver.into_iter().for_each(drop));
            self.sender = started.is_ok().then_some(sender);
        }
        if let Some(sender) = &self.sender
            && let Err(returned) = sender.send(engine)
        {
            self.sender = None;
            drop(returned);
        }
    }
}

/// Runs the server over standard input and output until the client says `exit`.
///
/// # Errors
///
/// When the connection fails (the client went away before `initialize`, a broken message).
pub fn run_stdio() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (connection, io) = Connection::stdio();
    let (id, params) = connection.initialize_start()?;
    let mut server = Server::new();
    let result = server.initialize(&params);
    connection.initialize_finish(id, result)?;
    for message in &connection.receiver {
        // `shutdown` ends the loop; a client that leaves without `exit` after it (closing
        // the pipe instead) is done with the server all the same.
        if let Message::Request(req) = &message
            && connection.handle_shutdown(req).unwrap_or(true)
        {
            break;
        }
        for out in server.handle(message) {
            connection.sender.send(out)?;
        }
    }
    // The writer thread ends when the connection's sender is dropped.
    drop(connection);
    io.join()?;
    Ok(())
}

fn notification<P: serde::Serialize>(method: &str, params: P) -> Message {
    Message::Notification(Notification::new(method.to_string(), params))
}

fn param<P: serde::de::DeserializeOwned>(v: Value) -> Option<P> {
    serde_json::from_value(v).ok()
}

impl Server {
    /// A server with nothing open.
    #[must_use]
    pub fn new() -> Server {
        Server {
            vocabulary: vocabulary(),
            ..Server::default()
        }
    }

    /// How many times a rule set was loaded (re-resolved from its files) since the server
    /// started: an edit of a rule file reloads the rule sets that read it; an edit of a
    /// scenario or a properties file reloads none.
    #[must_use]
    pub fn rule_set_loads(&self) -> usize {
        self.loads
    }

    /// How many rule files were parsed since the server started: a reload parses again only
    /// the files whose text changed since the last load of their rule set.
    #[must_use]
    pub fn rule_files_parsed(&self) -> usize {
        self.parsed
    }

    /// Answers `initialize`: reads the workspace folder and the `rules` option, and returns
    /// the server's capabilities.
    pub fn initialize(&mut self, params: &Value) -> Value {
        let root = params
            .pointer("/workspaceFolders/0/uri")
            .or_else(|| params.get("rootUri"))
            .and_then(Value::as_str)
            .and_then(|u| u.parse::<lt::Uri>().ok())
            .and_then(|u| path_of(&u));
        self.root = root.clone();
        self.rules = params
            .pointer("/initializationOptions/rules")
            .and_then(Value::as_str)
            .map(|r| root.clone().unwrap_or_default().join(r));
        let caps = lt::ServerCapabilities {
            text_document_sync: Some(lt::TextDocumentSyncCapability::Options(lt::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lt::TextDocumentSyncKind::FULL),
                save: Some(lt::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            })),
            hover_provider: Some(lt::HoverProviderCapability::Simple(true)),
            definition_provider: Some(lt::OneOf::Left(true)),
            references_provider: Some(lt::OneOf::Left(true)),
            completion_provider: Some(lt::CompletionOptions::default()),
            code_action_provider: Some(lt::CodeActionProviderCapability::Simple(true)),
            code_lens_provider: Some(lt::CodeLensOptions {
                resolve_provider: Some(false),
            }),
            ..Default::default()
        };
        serde_json::json!({
            "capabilities": caps,
            "serverInfo": {"name": "casus", "version": env!("CARGO_PKG_VERSION")}
        })
    }

    /// Handles one message from the client and returns the messages to send back.
    pub fn handle(&mut self, message: Message) -> Vec<Message> {
        match message {
            Message::Request(req) => vec![Message::Response(self.request(req))],
            Message::Notification(n) => self.notify(n),
            Message::Response(_) => Vec::new(),
        }
    }

    fn notify(&mut self, n: Notification) -> Vec<Message> {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p) = param::<lt::DidOpenTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                self.changed(&p.text_document.uri, p.text_document.text.into(), true)
            }
            "textDocument/didChange" => {
                let Some(mut p) = param::<lt::DidChangeTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                match p.content_changes.pop() {
                    Some(c) => self.changed(&p.text_document.uri, c.text.into(), false),
                    None => Vec::new(),
                }
            }
            "textDocument/didSave" => {
                let Some(p) = param::<lt::DidSaveTextDocumentParams>(n.params) else {
                    return Vec::new();
                };
                let text = path_of(&p.text_document.uri).and_then(|path| self.docs.get(&path).map(|d| d.text.clone()));
                match text {
                    Some(text) => self.changed(&p.text_document.uri, text, true),
                    None => Vec::new(),
                }
            }
            "textDocument/didClose" => {
                if let Some(p) = param::<lt::DidCloseTextDocumentParams>(n.params)
                    && let Some(path) = path_of(&p.text_document.uri)
                {
                    self.docs.remove(&path);
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn request(&mut self, req: Request) -> Response {
        let id: RequestId = req.id.clone();
        let result = match req.method.as_str() {
            "textDocument/hover" => param(req.params).map(|p| serde_json::to_value(self.hover(&p))),
            "textDocument/definition" => param(req.params).map(|p| serde_json::to_value(self.definition(&p))),
            "textDocument/references" => param(req.params).map(|p| serde_json::to_value(self.references(&p))),
            "textDocument/completion" => param(req.params).map(|p| serde_json::to_value(self.completion(&p))),
            "textDocument/codeAction" => param(req.params).map(|p| serde_json::to_value(code_actions(&p))),
            "textDocument/codeLens" => param(req.params).map(|p| serde_json::to_value(self.code_lens(&p))),
            _ => {
                return Response::new_err(id, lsp_server::ErrorCode::MethodNotFound as i32, req.method);
            }
        };
        match result {
            Some(Ok(v)) => Response::new_ok(id, v),
            _ => Response::new_err(
                id,
                lsp_server::ErrorCode::InvalidParams as i32,
                "invalid parameters".into(),
            ),
        }
    }

    /// A document was opened, edited or saved: re-check what depends on it.
    fn changed(&mut self, uri: &lt::Uri, text: Arc<str>, saved: bool) -> Vec<Message> {
        let Some(path) = path_of(uri) else { return Vec::new() };
        let path = canonical(&path);
        let kind = YamlKind::of_text(&text);
        let verdict = self.docs.get(&path).and_then(|d| d.verdict.clone());
        self.docs.insert(
            path.clone(),
            Doc {
                lines: Lines::new(&text),
                text,
                kind,
                verdict,
            },
        );
        match kind {
            YamlKind::Scenario | YamlKind::Counterexample => self.check_scenario(&path, saved),
            YamlKind::Properties => self.check_properties(&path),
            YamlKind::Rules | YamlKind::Other => self.rule_file_changed(&path),
        }
    }

    /// A rule file changed: re-index it and reload every rule set that reads it, then
    /// re-check the open scenarios of those rule sets.
    fn rule_file_changed(&mut self, path: &Path) -> Vec<Message> {
        let own = self.root_of_rule_file(path);
        if !self.sets.contains_key(&own) {
            self.sets.insert(own.clone(), Set::default());
        }
        let roots: Vec<PathBuf> = self
            .sets
            .iter()
            .filter(|(root, set)| **root == own || set.files.iter().any(|f| f == path))
            .map(|(root, _)| root.clone())
            .collect();
        for root in &roots {
            self.load(root, Some(path));
        }
        let mut out = self.publish(path);
        let scenarios: Vec<PathBuf> = self
            .docs
            .iter()
            .filter(|(_, d)| matches!(d.kind, YamlKind::Scenario))
            .map(|(p, _)| p.clone())
            .collect();
        for s in scenarios {
            if self.scenario_root(&s).is_some_and(|r| roots.contains(&r)) {
                out.extend(self.check_scenario(&s, false));
            }
        }
        out
    }

    /// (Re)loads the rule set at `root`, with the open documents read in place of their
    /// files; re-indexes `changed` only, or every file on the first load.
    fn load(&mut self, root: &Path, changed: Option<&Path>) {
        let mut sources = Sources::new();
        for (p, d) in &self.docs {
            sources.insert(p, d.text.clone());
        }
        let files = rule_files(root);
        let set = self.sets.entry(root.to_path_buf()).or_default();
        let before = set.cache.parsed();
        let loaded = RuleSet::load_with_cache(&[root.to_path_buf()], &Limits::default(), &sources, &mut set.cache);
        self.loads += 1;
        self.parsed += set.cache.parsed() - before;
        set.index.retain(|p, _| files.contains(p));
        for f in &files {
            let stale = changed == Some(f.as_path()) || !set.index.contains_key(f);
            if stale {
                let text = match self.docs.get(f) {
                    Some(d) => d.text.clone(),
                    None => fs::read_to_string(f).unwrap_or_default().into(),
                };
                set.index.insert(f.clone(), FileIndex::new(f.clone(), text));
            }
        }
        set.files = files;
        let (diags, engine) = match loaded {
            Ok(rs) => {
                let diags = rs.diagnostics().items().to_vec();
                (diags, rs.into_engine().ok())
            }
            Err(e) => (e.diagnostics.items().to_vec(), None),
        };
        if engine.is_some() || set.engine.is_none() {
            let previous = std::mem::replace(&mut set.engine, engine);
            self.dropper.discard(previous);
        }
        let mut by_file: BTreeMap<PathBuf, Vec<lt::Diagnostic>> = BTreeMap::new();
        for d in diags {
            let file = canonical(&d.position.file);
            if !file.is_file() {
                continue;
            }
            let text: Arc<str> = match (self.docs.get(&file), set.index.get(&file)) {
                (Some(doc), _) => doc.text.clone(),
                (None, Some(ix)) => ix.text.clone(),
                (None, None) => fs::read_to_string(&file).unwrap_or_default().into(),
            };
            by_file.entry(file).or_default().push(to_lsp(&d, &text));
        }
        set.diagnostics = by_file;
    }

    /// Publishes every file's diagnostics (the union over the rule sets that read it), the
    /// changed file's even when it has none, and clears those of files that have none any more.
    fn publish(&mut self, changed: &Path) -> Vec<Message> {
        let mut now: BTreeMap<PathBuf, Vec<lt::Diagnostic>> = BTreeMap::new();
        for set in self.sets.values() {
            for (file, list) in &set.diagnostics {
                let all = now.entry(file.clone()).or_default();
                for d in list {
                    if !all.iter().any(|a| a.range == d.range && a.message == d.message) {
                        all.push(d.clone());
                    }
                }
            }
        }
        let mut out = Vec::new();
        let mut files: BTreeSet<PathBuf> = now.keys().cloned().collect();
        files.insert(changed.to_path_buf());
        files.extend(
            self.published
                .iter()
                .filter(|p| !matches!(self.docs.get(*p).map(|d| d.kind), Some(YamlKind::Scenario)))
                .cloned(),
        );
        for file in files {
            let list = now.remove(&file).unwrap_or_default();
            out.extend(publish_one(&file, list.clone()));
            if list.is_empty() {
                self.published.remove(&file);
            } else {
                self.published.insert(file);
            }
        }
        out
    }

    /// The root of the rule set a rule file belongs to: the nearest folder above it with a
    /// `ruleset.yaml`, else the outermost folder named `rules` above it, else the file.
    fn root_of_rule_file(&self, path: &Path) -> PathBuf {
        let mut outermost_rules = None;
        for dir in path.ancestors().skip(1) {
            if dir.join("ruleset.yaml").is_file() {
                return dir.to_path_buf();
            }
            if dir.file_name().is_some_and(|n| n == "rules") {
                outermost_rules = Some(dir.to_path_buf());
            }
            if self.root.as_deref() == Some(dir) {
                break;
            }
        }
        outermost_rules.unwrap_or_else(|| path.to_path_buf())
    }

    /// The rule set of a scenario: its `rules:`, else the `rules` option, else the nearest
    /// `rules/` folder above it.
    fn scenario_root(&self, path: &Path) -> Option<PathBuf> {
        let doc = self.docs.get(path)?;
        let named = Scenario::from_yaml(&doc.text).ok().and_then(|s| s.rules.clone());
        if let Some(r) = named {
            return Some(canonical(&path.parent()?.join(r)));
        }
        if let Some(r) = &self.rules {
            return Some(canonical(r));
        }
        path.ancestors()
            .skip(1)
            .map(|d| d.join("rules"))
            .find(|d| d.is_dir())
            .map(|d| canonical(&d))
    }

    /// Checks a scenario against its rule set (loaded once, kept), and on open or save
    /// evaluates it for the code lens.
    fn check_scenario(&mut self, path: &Path, evaluate: bool) -> Vec<Message> {
        let Some(text) = self.docs.get(path).map(|d| d.text.clone()) else {
            return Vec::new();
        };
        let mut diags = Vec::new();
        let mut verdict = None;
        match Scenario::from_yaml(&text) {
            Err(e) => diags.extend(scenario_diagnostic(&e, &text)),
            Ok(s) => {
                if let Some(root) = self.scenario_root(path) {
                    if !self.sets.contains_key(&root) {
                        self.load(&root, None);
                    }
                    match self.sets.get(&root).and_then(|s| s.engine.as_ref()) {
                        None => diags.push(lt::Diagnostic {
                            range: lt::Range::default(),
                            severity: Some(lt::DiagnosticSeverity::WARNING),
                            source: Some("casus".into()),
                            message: format!(
                                "the rule set {} does not load: open one of its files, or run `casus check --rules {}`",
                                root.display(),
                                root.display()
                            ),
                            ..Default::default()
                        }),
                        Some(engine) => {
                            let checked = engine.prepare(&s).and_then(|_| engine.check_expect(&s));
                            match checked {
                                Err(e) => diags.extend(scenario_diagnostic(&e, &text)),
                                Ok(()) if evaluate => verdict = engine.evaluate(&s).ok().map(|v| summary(&v)),
                                Ok(()) => {}
                            }
                        }
                    }
                }
            }
        }
        if let Some(doc) = self.docs.get_mut(path)
            && evaluate
        {
            doc.verdict = verdict;
        }
        if diags.is_empty() {
            self.published.remove(path);
        } else {
            self.published.insert(path.to_path_buf());
        }
        publish_one(path, diags)
    }

    /// Checks a properties file against the rule set a scenario beside it would use (the
    /// `rules` option, else the nearest `rules/` folder above it): its shape and its ids.
    fn check_properties(&mut self, path: &Path) -> Vec<Message> {
        let Some(text) = self.docs.get(path).map(|d| d.text.clone()) else {
            return Vec::new();
        };
        let mut diags = Vec::new();
        if let Some(root) = self.scenario_root(path) {
            if !self.sets.contains_key(&root) {
                self.load(&root, None);
            }
            if let Some(engine) = self.sets.get(&root).and_then(|s| s.engine.as_ref())
                && let Err(e) = casus::verify::Properties::from_yaml(&text, engine)
            {
                diags.extend(e.diagnostics.items().iter().map(|d| to_lsp(d, &text)));
            }
        }
        publish_one(path, diags)
    }

    /// The rule set an open document belongs to (loaded when it is not yet).
    fn set_of(&mut self, path: &Path) -> Option<&Set> {
        let root = self.root_of_doc(path)?;
        self.sets.get(&root)
    }

    /// The root of the rule set an open document belongs to, loaded when it is not yet.
    fn root_of_doc(&mut self, path: &Path) -> Option<PathBuf> {
        let doc = self.docs.get(path)?;
        let root = match doc.kind {
            YamlKind::Scenario | YamlKind::Counterexample | YamlKind::Properties => self.scenario_root(path)?,
            _ => self.root_of_rule_file(path),
        };
        if !self.sets.contains_key(&root) {
            self.load(&root, None);
        }
        Some(root)
    }

    /// The declarations the word at a position names, with the word's span.
    fn lookup(&mut self, at: &lt::TextDocumentPositionParams) -> Option<(Vec<Def>, Vec<PathBuf>, String)> {
        let path = canonical(&path_of(&at.text_document.uri)?);
        let doc = self.docs.get(&path)?.clone();
        let offset = doc.lines.offset(&doc.text, at.position);
        let (_, _, word) = word_at(&doc.text, offset)?;
        let word = word.to_string();
        let set = self.set_of(&path)?;
        let clause = set
            .index
            .get(&path)
            .and_then(|ix| ix.treaty_before(offset))
            .map(|t| format!("{t}/{word}"));
        let mut found = Vec::new();
        let mut files = Vec::new();
        for ix in set.index.values() {
            for d in &ix.defs {
                let hit = match d.kind {
                    Kind::Clause => d.id == word || clause.as_deref() == Some(d.id.as_str()),
                    _ => d.id == word,
                };
                if hit {
                    found.push(d.clone());
                    files.push(ix.path.clone());
                }
            }
        }
        Some((found, files, word))
    }

    fn hover(&mut self, p: &lt::HoverParams) -> Option<lt::Hover> {
        let at = &p.text_document_position_params;
        let path = canonical(&path_of(&at.text_document.uri)?);
        if at.position.line == 0
            && let Some(v) = self.docs.get(&path).and_then(|d| d.verdict.clone())
        {
            return Some(markdown(format!("**Verdict**: {v}")));
        }
        let (defs, _, word) = self.lookup(at)?;
        let mut parts: Vec<String> = defs.iter().map(|d| d.doc.clone()).collect();
        if parts.is_empty() {
            parts.extend(
                self.vocabulary
                    .iter()
                    .filter(|(w, _, _)| *w == word)
                    .map(|(w, vocab, meaning)| format!("`{w}` ({vocab}): {meaning}")),
            );
        }
        (!parts.is_empty()).then(|| markdown(parts.join("\n\n---\n\n")))
    }

    fn definition(&mut self, p: &lt::GotoDefinitionParams) -> Option<lt::GotoDefinitionResponse> {
        let (defs, files, _) = self.lookup(&p.text_document_position_params)?;
        let set_files = files.clone();
        let mut locations = Vec::new();
        for (d, f) in defs.iter().zip(set_files) {
            if let Some(loc) = self.location(&f, d.span) {
                locations.push(loc);
            }
        }
        (!locations.is_empty()).then_some(lt::GotoDefinitionResponse::Array(locations))
    }

    /// The protocol location of a byte span in a file of some rule set.
    fn location(&self, file: &Path, (start, end): (usize, usize)) -> Option<lt::Location> {
        let uri = uri_of(file)?;
        if let Some(d) = self.docs.get(file) {
            return Some(lt::Location::new(uri, d.lines.range(&d.text, start, end)));
        }
        let ix = self.sets.values().find_map(|s| s.index.get(file))?;
        Some(lt::Location::new(uri, ix.lines.range(&ix.text, start, end)))
    }

    fn references(&mut self, p: &lt::ReferenceParams) -> Option<Vec<lt::Location>> {
        let (defs, _, word) = self.lookup(&p.text_document_position)?;
        let first = defs.first()?.clone();
        let path = canonical(&path_of(&p.text_document_position.text_document.uri)?);
        let root = self.root_of_doc(&path)?;
        let set = self.sets.get(&root)?;
        let mut texts: Vec<(PathBuf, Arc<str>, Option<&FileIndex>)> = set
            .index
            .values()
            .map(|ix| (ix.path.clone(), ix.text.clone(), Some(ix)))
            .collect();
        for (p, d) in &self.docs {
            if let Some(t) = texts.iter_mut().find(|t| t.0 == *p) {
                t.1 = d.text.clone();
            } else if matches!(d.kind, YamlKind::Scenario) {
                texts.push((p.clone(), d.text.clone(), None));
            }
        }
        let mut spans: Vec<(PathBuf, usize, usize)> = Vec::new();
        for (file, text, ix) in &texts {
            let (needle, treaty) = match first.kind {
                Kind::Clause => (first.written.as_str(), first.id.split('/').next()),
                _ => (word.as_str(), None),
            };
            for (a, b) in occurrences(text, needle) {
                let same_treaty = treaty.is_none() || ix.and_then(|ix| ix.treaty_before(a)) == treaty;
                if same_treaty && (first.kind != Kind::Clause || ix.is_some()) {
                    spans.push((file.clone(), a, b));
                }
            }
            if first.kind == Kind::Clause {
                spans.extend(
                    occurrences(text, &first.id)
                        .into_iter()
                        .map(|(a, b)| (file.clone(), a, b)),
                );
            }
        }
        let include = p.context.include_declaration;
        let mut out = Vec::new();
        for (file, a, b) in spans {
            let is_decl = defs.iter().any(|d| d.span == (a, b));
            if (include || !is_decl)
                && let Some(l) = self.location(&file, (a, b))
            {
                out.push(l);
            }
        }
        Some(out)
    }

    fn completion(&mut self, p: &lt::CompletionParams) -> Option<lt::CompletionResponse> {
        let at = &p.text_document_position;
        let path = canonical(&path_of(&at.text_document.uri)?);
        let doc = self.docs.get(&path)?.clone();
        let line = doc.text.lines().nth(at.position.line as usize).unwrap_or("");
        let vocab = match key_of_line(line) {
            Some("level" | "max_level") => Some("Level"),
            Some("event") => Some("EventKind"),
            Some("means") => Some("Means"),
            Some("on") => Some("On"),
            Some("required" | "allowed" | "excluded" | "exclude_forms" | "not_allowed") => Some("Form"),
            Some("caveats") => Some("Caveat"),
            _ => None,
        };
        let mut items: Vec<lt::CompletionItem> = self
            .vocabulary
            .iter()
            .filter(|(_, v, _)| vocab.is_none_or(|want| want == v))
            .map(|(w, v, meaning)| lt::CompletionItem {
                label: w.clone(),
                kind: Some(lt::CompletionItemKind::ENUM_MEMBER),
                detail: Some(format!("{v}: {meaning}")),
                ..Default::default()
            })
            .collect();
        if vocab.is_none() {
            let set = self.set_of(&path)?;
            let mut seen = BTreeSet::new();
            for d in set.index.values().flat_map(|ix| ix.defs.iter()) {
                let label = d.id.clone();
                if seen.insert((label.clone(), d.kind)) {
                    items.push(lt::CompletionItem {
                        label,
                        kind: Some(match d.kind {
                            Kind::Party => lt::CompletionItemKind::CLASS,
                            Kind::Territory | Kind::Area => lt::CompletionItemKind::STRUCT,
                            Kind::Tag => lt::CompletionItemKind::CONSTANT,
                            Kind::Fact => lt::CompletionItemKind::VARIABLE,
                            Kind::Treaty | Kind::NotModelled => lt::CompletionItemKind::MODULE,
                            Kind::Clause => lt::CompletionItemKind::FUNCTION,
                        }),
                        detail: Some(format!("{} — {}", d.kind.words(), d.detail)),
                        ..Default::default()
                    });
                }
            }
        }
        Some(lt::CompletionResponse::Array(items))
    }

    fn code_lens(&mut self, p: &lt::CodeLensParams) -> Option<Vec<lt::CodeLens>> {
        let path = canonical(&path_of(&p.text_document.uri)?);
        if self.docs.get(&path)?.verdict.is_none() {
            let _ = self.check_scenario(&path, true);
        }
        let v = self.docs.get(&path)?.verdict.clone()?;
        Some(vec![lt::CodeLens {
            range: lt::Range::default(),
            command: Some(lt::Command::new(v, String::new(), None)),
            data: None,
        }])
    }
}

fn markdown(value: String) -> lt::Hover {
    lt::Hover {
        contents: lt::HoverContents::Markup(lt::MarkupContent {
            kind: lt::MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

fn publish_one(path: &Path, diagnostics: Vec<lt::Diagnostic>) -> Vec<Message> {
    let Some(uri) = uri_of(path) else { return Vec::new() };
    vec![notification(
        "textDocument/publishDiagnostics",
        lt::PublishDiagnosticsParams::new(uri, diagnostics, None),
    )]
}

/// A library diagnostic as the protocol's, its range the offending value in `text`.
fn to_lsp(d: &casus::Diagnostic, text: &str) -> lt::Diagnostic {
    let lines = Lines::new(text);
    let range = match d.position.offset {
        Some(off) => lines.range(text, off, off + d.position.len.max(1)),
        None if d.position.line > 0 => {
            let start = lt::Position::new(d.position.line - 1, d.position.column.saturating_sub(1));
            let off = lines.offset(text, start);
            let end = text
                .get(off..)
                .and_then(|t| t.find(|c: char| !id_char(c)))
                .map_or(off, |n| off + n.max(1));
            lines.range(text, off, end)
        }
        None => lt::Range::default(),
    };
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    lt::Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => lt::DiagnosticSeverity::ERROR,
            Severity::Warning => lt::DiagnosticSeverity::WARNING,
            Severity::Note => lt::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lt::NumberOrString::String(d.code.to_string())),
        source: Some("casus".into()),
        message,
        ..Default::default()
    }
}

fn scenario_diagnostic(e: &ScenarioError, text: &str) -> Option<lt::Diagnostic> {
    match e {
        ScenarioError::Invalid(d) | ScenarioError::Unknown { located: Some(d), .. } => Some(to_lsp(d, text)),
        other => Some(lt::Diagnostic {
            range: lt::Range::default(),
            severity: Some(lt::DiagnosticSeverity::ERROR),
            source: Some("casus".into()),
            message: other.to_string(),
            ..Default::default()
        }),
    }
}

/// The quick fixes of the did-you-mean diagnostics in a code-action request.
#[allow(clippy::mutable_key_type)] // the protocol's edit map is keyed by URI; none is mutated
fn code_actions(p: &lt::CodeActionParams) -> Vec<lt::CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in &p.context.diagnostics {
        let Some(rest) = d.message.split("did you mean `").nth(1) else {
            continue;
        };
        let Some((fix, _)) = rest.split_once('`') else { continue };
        let edit = lt::TextEdit::new(d.range, fix.to_string());
        let changes = std::iter::once((p.text_document.uri.clone(), vec![edit])).collect();
        out.push(lt::CodeActionOrCommand::CodeAction(lt::CodeAction {
            title: format!("Replace with `{fix}`"),
            kind: Some(lt::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d.clone()]),
            edit: Some(lt::WorkspaceEdit::new(changes)),
            is_preferred: Some(true),
            ..Default::default()
        }));
    }
    out
}

/// A verdict in one line: who is obliged, at what level.
fn summary(v: &casus::Verdict) -> String {
    if v.obligations.is_empty() {
        return "no party is obliged".into();
    }
    let parts: Vec<String> = v
        .obligations
        .iter()
        .map(|o| match o.status {
            casus::Status::Definite => format!("{} {}", o.party, o.level),
            casus::Status::Contingent => format!("{} {} (contingent)", o.party, o.level),
        })
        .collect();
    format!("{} obliged: {}", parts.len(), parts.join(", "))
}

/// The path with links resolved, or as given.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The rule files a load of `root` reads, canonical: the folder's `.yaml` files (hidden files,
/// links and nested rule sets left out, as the loader does), its `ruleset.yaml`, and those of
/// the rule sets it extends.
fn rule_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    collect_set(root, &mut out, &mut seen, 0);
    out.sort();
    out.dedup();
    out
}

fn collect_set(root: &Path, out: &mut Vec<PathBuf>, seen: &mut BTreeSet<PathBuf>, depth: usize) {
    let root = canonical(root);
    if depth > 16 || !seen.insert(root.clone()) {
        return;
    }
    if root.is_file() {
        out.push(root);
        return;
    }
    let manifest = root.join("ruleset.yaml");
    if let Ok(text) = fs::read_to_string(&manifest) {
        out.push(manifest);
        if let Ok(m) = serde_saphyr::from_str::<casus::model::Manifest>(&text) {
            for e in &m.extends {
                collect_set(&root.join(&e.value), out, seen, depth + 1);
            }
        }
    }
    walk(&root, &root, out);
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if hidden || meta.file_type().is_symlink() {
            continue;
        }
        if meta.is_dir() {
            if !path.join("ruleset.yaml").is_file() {
                walk(root, &path, out);
            }
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml")
            && !(dir == root && path.ends_with("ruleset.yaml"))
        {
            out.push(path);
        }
    }
}

/// Every word of the closed vocabularies, with its meaning, read from the rule-file and
/// scenario schemas (so from the doc comments of the types the loader reads).
fn vocabulary() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for kind in [casus::schema::SchemaKind::Rules, casus::schema::SchemaKind::Scenario] {
        let schema = casus::schema::schema(kind);
        let Some(defs) = schema.get("$defs").and_then(Value::as_object) else {
            continue;
        };
        for (name, def) in defs {
            let Some(variants) = def.get("oneOf").and_then(Value::as_array) else {
                continue;
            };
            for v in variants {
                let word = v
                    .get("const")
                    .and_then(Value::as_str)
                    .or_else(|| v.get("required").and_then(|r| r.get(0)).and_then(Value::as_str));
                let meaning = v.get("description").and_then(Value::as_str).unwrap_or("");
                if let Some(w) = word
                    && !out
                        .iter()
                        .any(|(o, n, _): &(String, String, String)| o == w && n == name)
                {
                    out.push((w.to_string(), name.clone(), meaning.replace('\n', " ")));
                }
            }
        }
    }
    out
}
