//! JSON Schemas of the file formats (feature `schema`): rule files, `ruleset.yaml` manifests,
//! scenarios and properties files.
//!
//! The schemas are generated from the types the loader deserializes, so they cannot say
//! something the loader does not accept: descriptions are the types' doc comments, and every
//! closed vocabulary (levels, event kinds, means, `on`, forms, caveats, deadlines) is listed
//! with the meaning of each word. Editors with a YAML language server read them from a first
//! line such as `# yaml-language-server: $schema=../../schemas/rules.schema.json`; the
//! repository keeps the generated files under `schemas/` and a test fails when they drift.
//!
//! A schema checks the shape of one file. It cannot know the ids a rule set declares: an
//! unknown party or a date out of order is found by `casus check` (or `casus lsp`).
//!
//! ```
//! let text = casus::schema::json(casus::schema::SchemaKind::Scenario);
//! assert!(text.contains("\"armed_attack\""));
//! ```

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::model::{Holder, Ids, Obligated, OneOrMany, Spanned};
use crate::scenario::Actor;
use crate::time::When;

/// Which file format a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaKind {
    /// A rule file (`parties:`, `territories:`, `treaties:`, …).
    Rules,
    /// A rule set's `ruleset.yaml` (`name`, `description`, `extends`).
    Manifest,
    /// A scenario (`date`, `event`, `target`, …).
    Scenario,
    /// A properties file of `casus verify` (`properties:`).
    Properties,
}

impl SchemaKind {
    /// Every kind, in the order `casus schema` lists them.
    pub const ALL: [SchemaKind; 4] = [
        SchemaKind::Rules,
        SchemaKind::Manifest,
        SchemaKind::Scenario,
        SchemaKind::Properties,
    ];

    /// The name used on the command line (`casus schema rules`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaKind::Rules => "rules",
            SchemaKind::Manifest => "manifest",
            SchemaKind::Scenario => "scenario",
            SchemaKind::Properties => "properties",
        }
    }

    /// Parses the name used on the command line.
    #[must_use]
    pub fn parse(s: &str) -> Option<SchemaKind> {
        SchemaKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The file name under `schemas/` (`rules.schema.json`).
    #[must_use]
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.as_str())
    }

    fn title(self) -> &'static str {
        match self {
            SchemaKind::Rules => "Casus rule file",
            SchemaKind::Manifest => "Casus rule-set manifest (ruleset.yaml)",
            SchemaKind::Scenario => "Casus scenario",
            SchemaKind::Properties => "Casus properties file (casus verify)",
        }
    }
}

/// The schema of one file format, as a JSON value (JSON Schema draft 2020-12).
#[must_use]
pub fn schema(kind: SchemaKind) -> serde_json::Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut root = match kind {
        SchemaKind::Rules => generator.into_root_schema_for::<crate::model::RuleFile>(),
        SchemaKind::Manifest => generator.into_root_schema_for::<crate::model::Manifest>(),
        SchemaKind::Scenario => generator.into_root_schema_for::<crate::scenario::Scenario>(),
        SchemaKind::Properties => generator.into_root_schema_for::<crate::verify::props::PropertiesFile>(),
    };
    root.insert("title".into(), kind.title().into());
    root.to_value()
}

/// The schema of one file format as pretty-printed JSON text ending in a line break: what
/// `casus schema KIND` prints and `schemas/KIND.schema.json` holds. Same input, same bytes.
#[must_use]
pub fn json(kind: SchemaKind) -> String {
    let mut text = serde_json::to_string_pretty(&schema(kind)).unwrap_or_default();
    text.push('\n');
    text
}

/// A spanned value is written as the value itself.
impl<T: JsonSchema> JsonSchema for Spanned<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}

impl JsonSchema for When {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "When".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A day, YYYY-MM-DD (`1949-08-24`), or an RFC 3339 date-time where the hour matters (`2024-03-07T17:30:00+01:00`).",
            "type": "string",
            "pattern": "^-?[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ].+)?$"
        })
    }
}

impl JsonSchema for Holder {
    fn schema_name() -> Cow<'static, str> {
        "Holder".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let period = generator.subschema_for::<crate::model::HolderPeriod>();
        json_schema!({
            "description": "A party id (held throughout), or a list of periods `{party, from, to}`.",
            "anyOf": [
                {"type": "string", "description": "The party holding it throughout."},
                {"type": "array", "items": period}
            ]
        })
    }
}

impl JsonSchema for Ids {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Ids".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "An id, or a list of ids.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        })
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<T>();
        json_schema!({
            "description": "A value, or a list of values.",
            "anyOf": [one.clone(), {"type": "array", "items": one}]
        })
    }
}

impl JsonSchema for Obligated {
    fn schema_name() -> Cow<'static, str> {
        "Obligated".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Who owes the obligation: `others` (every party but the target(s) and the attacker(s); the default), `all` (every party but the attacker(s), the target included), or a list of party ids (each only while it is a party).",
            "anyOf": [
                {"const": "others", "description": "Every party except the target(s) and the attacker(s)."},
                {"const": "all", "description": "Every party except the attacker(s), the target included."},
                {"type": "array", "items": {"type": "string"}, "description": "These parties, each only while it is a party."}
            ]
        })
    }
}

impl JsonSchema for Actor {
    fn schema_name() -> Cow<'static, str> {
        "Actor".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A party id (`RUS`), or `{non_state: NAME}` for a non-state actor.",
            "anyOf": [
                {"type": "string", "description": "A party of the rule set."},
                {
                    "type": "object",
                    "properties": {"non_state": {"type": "string", "description": "The non-state actor's name."}},
                    "required": ["non_state"],
                    "additionalProperties": false
                }
            ]
        })
    }
}
