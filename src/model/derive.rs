//! The derivation of docs/model.md: effective responsibility of a (control, service) pair with its
//! provenance, the organisation-wide roll-up of a control, and the effective owner.
//!
//! These are pure functions over small inputs (rules, overrides), so a report over millions of
//! pairs can stream them control by control, and the property tests can call them directly.

use std::collections::HashMap;

use serde::Serialize;

use super::{Category, Responsibility, Rule, RuleScope};

/// The rules of one catalogue, indexed for the most-specific-first lookup.
#[derive(Debug, Default)]
pub struct RuleBook {
    rules: Vec<Rule>,
    by_control: HashMap<String, PerCategory>,
    by_family: HashMap<String, PerCategory>,
    by_catalog: PerCategory,
}

/// Index of the rule for each category, in `Category::ALL` order.
type PerCategory = [Option<usize>; 3];

fn slot(category: Category) -> usize {
    match category {
        Category::Infrastructure => 0,
        Category::Container => 1,
        Category::Abstracted => 2,
    }
}

impl RuleBook {
    /// Indexes `rules`; a later rule with the same scope and category replaces an earlier one.
    pub fn new(rules: impl IntoIterator<Item = Rule>) -> RuleBook {
        let mut book = RuleBook::default();
        for rule in rules {
            let at = book.rules.len();
            let per_category = match &rule.scope {
                RuleScope::Control(key) => book.by_control.entry(key.clone()).or_default(),
                RuleScope::Family(family) => book.by_family.entry(family.clone()).or_default(),
                RuleScope::Catalog => &mut book.by_catalog,
            };
            per_category[slot(rule.category)] = Some(at);
            book.rules.push(rule);
        }
        book
    }

    /// The rule that decides `control_key` (of `family`) on a service of `category`: an exact
    /// control rule beats a family rule, which beats the catalogue default.
    pub fn find(&self, control_key: &str, family: &str, category: Category) -> Option<&Rule> {
        let at = slot(category);
        self.by_control
            .get(control_key)
            .and_then(|c| c[at])
            .or_else(|| self.by_family.get(family).and_then(|f| f[at]))
            .or(self.by_catalog[at])
            .map(|i| &self.rules[i])
    }

    /// Every rule, in the order given.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

/// A responsibility someone decided by hand, with their reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Override<'a> {
    /// The decided responsibility.
    pub responsibility: Responsibility,
    /// Why it differs from (or confirms) the model's default.
    pub why: &'a str,
}

/// Where an effective responsibility comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// An override for this very service.
    ServiceOverride,
    /// An override for the control across the organisation.
    OrgOverride,
    /// The provider's own documents (statements of what it provides and what the customer must do).
    Provider,
    /// The model's rule for the service's category.
    Rule,
    /// Nothing decides it: undetermined.
    None,
}

impl Provenance {
    /// The short name used in tables and exports: `override`, `rule` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::ServiceOverride | Provenance::OrgOverride => "override",
            Provenance::Provider => "provider",
            Provenance::Rule => "rule",
            Provenance::None => "none",
        }
    }
}

/// The derived responsibility of one (control, service) pair and why it is so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective<'a> {
    /// Who is responsible.
    pub responsibility: Responsibility,
    /// Where that comes from.
    pub provenance: Provenance,
    /// The override's reason or the rule's rationale.
    pub rationale: &'a str,
    /// The rule's source text, when a rule decided.
    pub source: &'a str,
    /// The rule's scope, when a rule decided.
    pub rule_scope: Option<&'a RuleScope>,
}

/// Rationale given for a pair nothing decides.
pub const NO_RULE: &str = "no override and no responsibility rule covers this control for the \
                           service's category";

/// What the provider's documents say about a (control, offering): the responsibility their
/// statements amount to ([`super::provider::Said::decide`]), and the texts that name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderWord<'a> {
    /// The responsibility the statements amount to.
    pub responsibility: Responsibility,
    /// Which document and statements say so.
    pub rationale: &'a str,
    /// The document's citation (title and SHA-256).
    pub source: &'a str,
}

/// Effective responsibility: the service's override, else the organisation-wide override, else
/// the most specific rule, else undetermined.
pub fn effective<'a>(
    service_override: Option<Override<'a>>,
    org_override: Option<Override<'a>>,
    rule: Option<&'a Rule>,
) -> Effective<'a> {
    effective_with_provider(service_override, org_override, None, rule)
}

/// Effective responsibility with the provider's word as one more input: the service's override,
/// else the organisation-wide override, else what the provider's documents say, else the most
/// specific rule, else undetermined. The organisation's own decision beats the provider's
/// document, which beats the category rule.
pub fn effective_with_provider<'a>(
    service_override: Option<Override<'a>>,
    org_override: Option<Override<'a>>,
    provider: Option<ProviderWord<'a>>,
    rule: Option<&'a Rule>,
) -> Effective<'a> {
    let decided = |o: Override<'a>, provenance| Effective {
        responsibility: o.responsibility,
        provenance,
        rationale: o.why,
        source: "",
        rule_scope: None,
    };
    if let Some(o) = service_override {
        return decided(o, Provenance::ServiceOverride);
    }
    if let Some(o) = org_override {
        return decided(o, Provenance::OrgOverride);
    }
    if let Some(p) = provider {
        return Effective {
            responsibility: p.responsibility,
            provenance: Provenance::Provider,
            rationale: p.rationale,
            source: p.source,
            rule_scope: None,
        };
    }
    match rule {
        Some(rule) => Effective {
            responsibility: rule.responsibility,
            provenance: Provenance::Rule,
            rationale: &rule.rationale,
            source: &rule.source,
            rule_scope: Some(&rule.scope),
        },
        None => Effective {
            responsibility: Responsibility::Undetermined,
            provenance: Provenance::None,
            rationale: NO_RULE,
            source: "",
            rule_scope: None,
        },
    }
}

/// The organisation-wide value of a control over its in-scope services: all inherited ->
/// inherited; all customer -> customer; any shared or any mix -> shared; none classified ->
/// undetermined. Undetermined services do not change a value the others agree on.
pub fn rollup(values: impl IntoIterator<Item = Responsibility>) -> Responsibility {
    let mut seen: Option<Responsibility> = None;
    for value in values {
        seen = match (seen, value) {
            (_, Responsibility::Undetermined) => seen,
            (None, v) => Some(v),
            (Some(a), b) if a == b => Some(a),
            _ => Some(Responsibility::Shared),
        };
    }
    seen.unwrap_or(Responsibility::Undetermined)
}

/// Where an effective owner comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerSource {
    /// Set for this control on this service.
    ServiceOverride,
    /// Set for this control across the organisation.
    Control,
    /// The team that owns the service.
    ServiceTeam,
}

/// Effective owner: the override's team, else the control's org-wide owner, else the service's team.
pub fn effective_owner<T>(
    service_override: Option<T>,
    control_owner: Option<T>,
    service_team: Option<T>,
) -> Option<(T, OwnerSource)> {
    service_override
        .map(|t| (t, OwnerSource::ServiceOverride))
        .or_else(|| control_owner.map(|t| (t, OwnerSource::Control)))
        .or_else(|| service_team.map(|t| (t, OwnerSource::ServiceTeam)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Responsibility::*;
    use proptest::prelude::*;

    fn rule(scope: RuleScope, category: Category, responsibility: Responsibility) -> Rule {
        Rule {
            scope,
            category,
            responsibility,
            rationale: format!("{responsibility:?}"),
            source: String::new(),
        }
    }

    #[test]
    fn exact_rule_beats_family_beats_catalogue_default() {
        let book = RuleBook::new([
            rule(RuleScope::Catalog, Category::Container, Customer),
            rule(RuleScope::Family("Net".into()), Category::Container, Shared),
            rule(RuleScope::Control("FW".into()), Category::Container, Inherited),
        ]);
        let find = |key, family| book.find(key, family, Category::Container).map(|r| r.responsibility);
        assert_eq!(find("FW", "Net"), Some(Inherited));
        assert_eq!(find("ZONE", "Net"), Some(Shared));
        assert_eq!(find("DATA", "Data"), Some(Customer));
        assert_eq!(book.find("FW", "Net", Category::Abstracted), None);
    }

    #[test]
    fn overrides_beat_rules_and_nothing_is_undetermined() {
        let r = rule(RuleScope::Catalog, Category::Infrastructure, Customer);
        let svc = Override {
            responsibility: Shared,
            why: "svc",
        };
        let org = Override {
            responsibility: Inherited,
            why: "org",
        };
        let e = effective(Some(svc), Some(org), Some(&r));
        assert_eq!(
            (e.responsibility, e.provenance, e.rationale),
            (Shared, Provenance::ServiceOverride, "svc")
        );
        let e = effective(None, Some(org), Some(&r));
        assert_eq!((e.responsibility, e.provenance), (Inherited, Provenance::OrgOverride));
        let e = effective(None, None, Some(&r));
        assert_eq!((e.responsibility, e.provenance), (Customer, Provenance::Rule));
        assert_eq!(e.rule_scope, Some(&RuleScope::Catalog));
        let e = effective(None, None, None);
        assert_eq!((e.responsibility, e.provenance), (Undetermined, Provenance::None));
    }

    #[test]
    fn rollup_examples() {
        assert_eq!(rollup([]), Undetermined);
        assert_eq!(rollup([Undetermined, Undetermined]), Undetermined);
        assert_eq!(rollup([Inherited, Inherited]), Inherited);
        assert_eq!(rollup([Customer, Undetermined, Customer]), Customer);
        assert_eq!(rollup([Inherited, Customer]), Shared);
        assert_eq!(rollup([Customer, Shared]), Shared);
    }

    #[test]
    fn owner_precedence() {
        assert_eq!(
            effective_owner(Some("a"), Some("b"), Some("c")),
            Some(("a", OwnerSource::ServiceOverride))
        );
        assert_eq!(
            effective_owner(None, Some("b"), Some("c")),
            Some(("b", OwnerSource::Control))
        );
        assert_eq!(
            effective_owner(None, None, Some("c")),
            Some(("c", OwnerSource::ServiceTeam))
        );
        assert_eq!(effective_owner::<&str>(None, None, None), None);
    }

    fn any_responsibility() -> impl Strategy<Value = Responsibility> {
        prop::sample::select(Responsibility::ALL)
    }

    fn decided_value() -> impl Strategy<Value = Responsibility> {
        prop::sample::select(vec![Inherited, Shared, Customer])
    }

    #[test]
    fn provider_word_sits_between_overrides_and_rules() {
        let r = rule(RuleScope::Catalog, Category::Container, Customer);
        let word = ProviderWord {
            responsibility: Inherited,
            rationale: "provided",
            source: "doc",
        };
        let org = Override {
            responsibility: Shared,
            why: "org",
        };
        let e = effective_with_provider(None, None, Some(word), Some(&r));
        assert_eq!(
            (e.responsibility, e.provenance, e.rationale, e.source),
            (Inherited, Provenance::Provider, "provided", "doc")
        );
        assert_eq!(Provenance::Provider.as_str(), "provider");
        let e = effective_with_provider(None, Some(org), Some(word), Some(&r));
        assert_eq!(e.provenance, Provenance::OrgOverride);
        assert_eq!(
            effective_with_provider(None, None, None, Some(&r)),
            effective(None, None, Some(&r))
        );
    }

    proptest! {
        #[test]
        fn precedence_override_then_provider_then_rule(
            svc in prop::option::of(decided_value()),
            org in prop::option::of(decided_value()),
            word in prop::option::of(decided_value()),
            by_rule in prop::option::of(decided_value()),
        ) {
            let r = by_rule.map(|v| rule(RuleScope::Catalog, Category::Abstracted, v));
            let o = |v: Option<Responsibility>, why| v.map(|responsibility| Override { responsibility, why });
            let w = word.map(|responsibility| ProviderWord { responsibility, rationale: "word", source: "doc" });
            let e = effective_with_provider(o(svc, "svc"), o(org, "org"), w, r.as_ref());
            let expected = svc.or(org).or(word).or(by_rule).unwrap_or(Undetermined);
            prop_assert_eq!(e.responsibility, expected);
            let provenance = if svc.is_some() {
                Provenance::ServiceOverride
            } else if org.is_some() {
                Provenance::OrgOverride
            } else if word.is_some() {
                Provenance::Provider
            } else if by_rule.is_some() {
                Provenance::Rule
            } else {
                Provenance::None
            };
            prop_assert_eq!(e.provenance, provenance);
            // Without a provider's word the new layer changes nothing.
            if word.is_none() {
                prop_assert_eq!(e, effective(o(svc, "svc"), o(org, "org"), r.as_ref()));
            }
        }

        #[test]
        fn rollup_ignores_order(mut values in prop::collection::vec(any_responsibility(), 0..40), seed in any::<u64>()) {
            let before = rollup(values.iter().copied());
            // A deterministic shuffle driven by the seed.
            let n = values.len();
            for i in (1..n).rev() {
                let j = (seed.wrapping_mul(i as u64 + 7) % (i as u64 + 1)) as usize;
                values.swap(i, j);
            }
            prop_assert_eq!(rollup(values.iter().copied()), before);
        }

        #[test]
        fn rollup_of_one_value_is_that_value(value in any_responsibility(), n in 1usize..20) {
            prop_assert_eq!(rollup(std::iter::repeat_n(value, n)), value);
        }

        #[test]
        fn rollup_is_shared_whenever_shared_appears(values in prop::collection::vec(any_responsibility(), 0..40)) {
            let with_shared = values.iter().copied().chain([Shared]);
            prop_assert_eq!(rollup(with_shared), Shared);
        }

        #[test]
        fn undetermined_only_when_nothing_is_classified(values in prop::collection::vec(any_responsibility(), 0..40)) {
            let result = rollup(values.iter().copied());
            let classified = values.iter().any(|v| *v != Undetermined);
            prop_assert_eq!(result == Undetermined, !classified);
        }

        #[test]
        fn undetermined_services_do_not_change_the_value(values in prop::collection::vec(any_responsibility(), 0..40), extra in 0usize..5) {
            let plain = rollup(values.iter().copied());
            let padded = rollup(values.iter().copied().chain(std::iter::repeat_n(Undetermined, extra)));
            prop_assert_eq!(plain, padded);
        }

        #[test]
        fn rollup_is_the_common_value_or_shared(values in prop::collection::vec(any_responsibility(), 1..40)) {
            let classified: Vec<_> = values.iter().copied().filter(|v| *v != Undetermined).collect();
            let result = rollup(values.iter().copied());
            if let Some(first) = classified.first() {
                if classified.iter().all(|v| v == first) {
                    prop_assert_eq!(result, *first);
                } else {
                    prop_assert_eq!(result, Shared);
                }
            }
        }
    }
}
