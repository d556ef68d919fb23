//! The records ctrlmap keeps, as plain values. References between records are by key or name, the
//! way users write them; the database resolves them to ids.

use serde::Serialize;

use super::{Category, Responsibility};

/// A cloud provider (seeds/providers.csv holds AWS, Azure and Google Cloud).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provider {
    /// Short key, e.g. `aws`.
    pub key: String,
    /// Display name.
    pub name: String,
}

/// One service in a provider's catalogue and the category that decides the customer's share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offering {
    /// Key such as `aws.rds`.
    pub key: String,
    /// Display name such as `Amazon RDS`.
    pub name: String,
    /// The provider's key.
    pub provider: String,
    /// Infrastructure, container or abstracted.
    pub category: Category,
    /// Where the categorisation comes from: source ids (see [`Source`]) separated by `;`, or
    /// free text a user wrote.
    pub source: String,
    /// One line of reasoning behind the categorisation.
    pub note: String,
}

/// A control catalogue (the `srm` baseline, or an imported one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Short key, e.g. `srm`.
    pub key: String,
    /// Title.
    pub title: String,
    /// Version of the catalogue's text.
    pub version: String,
    /// Where it came from.
    pub source: String,
}

/// One control or enhancement of a catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Control {
    /// Key within the catalogue, e.g. `SRM-PATCH` or `AC-2(1)`.
    pub key: String,
    /// Title.
    pub title: String,
    /// Family (group) the control belongs to.
    pub family: String,
    /// The requirement in words.
    pub statement: String,
    /// Key of the parent control, for enhancements.
    pub parent: Option<String>,
    /// Orders controls within the catalogue.
    pub sort_key: String,
    /// Kept for history but no longer part of the catalogue.
    pub withdrawn: bool,
}

/// What a responsibility rule applies to, from most to least specific.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "scope", content = "value", rename_all = "lowercase")]
pub enum RuleScope {
    /// One control, by key.
    Control(String),
    /// Every control of a family.
    Family(String),
    /// Every control of the catalogue (the catalogue default).
    Catalog,
}

impl RuleScope {
    /// Describes the scope for people: `control SRM-FW`, `family "Network Security"`, `catalogue default`.
    pub fn describe(&self) -> String {
        match self {
            RuleScope::Control(key) => format!("control {key}"),
            RuleScope::Family(family) => format!("family \"{family}\""),
            RuleScope::Catalog => "catalogue default".to_string(),
        }
    }
}

/// A default of the model: for controls in `scope`, on services of `category`, who is responsible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Which controls the rule covers.
    pub scope: RuleScope,
    /// Which service category it is for.
    pub category: Category,
    /// The default responsibility (never undetermined).
    pub responsibility: Responsibility,
    /// Why, in words.
    pub rationale: String,
    /// Where it comes from: source ids (see [`Source`]) separated by `;`, free text a user
    /// wrote, or empty.
    pub source: String,
}

/// A published text the model's defaults rest on, cited by id from offerings and rules so a
/// reader can open it: title, who published it, when, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Short id offerings and rules cite, e.g. `aws-wa-security-shared`.
    pub id: String,
    /// Title of the page or document.
    pub title: String,
    /// Who published or wrote it.
    pub publisher_or_author: String,
    /// Publication date (YYYY-MM-DD), or empty when unknown.
    pub date: String,
    /// Where to read it, or empty when no address is known.
    pub url: String,
    /// What it supports in the model, in our own words.
    pub supports: String,
}

impl Source {
    /// The citation people read: `Title (Publisher), YYYY-MM-DD, URL`, leaving out what is unknown.
    pub fn citation(&self) -> String {
        let mut text = self.reference();
        if !self.url.is_empty() {
            text.push_str(", ");
            text.push_str(&self.url);
        }
        text
    }

    /// The citation without its address: `Title (Publisher), YYYY-MM-DD`, for layouts that show
    /// the URL apart (the PDF) or as a link (the SSP).
    pub fn reference(&self) -> String {
        let mut text = self.title.clone();
        if !self.publisher_or_author.is_empty() {
            text.push_str(&format!(" ({})", self.publisher_or_author));
        }
        if !self.date.is_empty() {
            text.push_str(", ");
            text.push_str(&self.date);
        }
        text
    }
}

/// The parts of an offering's or a rule's `source` text: ids (or free text) separated by `;`,
/// trimmed, empty parts left out.
pub fn source_parts(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|p| !p.is_empty())
}

/// A team that owns services and controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    /// Unique name.
    pub name: String,
    /// How to reach it (mail address, channel).
    pub contact: String,
}

/// One of the organisation's services running on an offering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// Unique name, e.g. `orders-db`.
    pub name: String,
    /// The offering's key, e.g. `aws.rds`.
    pub offering: String,
    /// Owning team, if any.
    pub team: Option<String>,
    /// Environment, e.g. `prod`.
    pub environment: String,
    /// Region, e.g. `eu-west-1`.
    pub region: String,
    /// Classification of the data it holds.
    pub data_classification: String,
    /// Whether it counts in roll-ups, reports and gaps.
    pub in_scope: bool,
}
