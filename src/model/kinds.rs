//! The closed vocabularies of the model: service categories and responsibilities.

use std::fmt;

/// A value outside a closed vocabulary, with the values that are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// What kind of value was expected ("category", "responsibility").
    pub what: &'static str,
    /// The value as given.
    pub value: String,
    /// The accepted spellings.
    pub expected: Vec<&'static str>,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = match self.expected.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        write!(f, "unknown {} \"{}\": expected {list}", self.what, self.value)
    }
}

impl std::error::Error for UnknownValue {}

/// A closed vocabulary: every value and its spelling, so parsers and shell completions can offer
/// exactly the values there are.
pub trait Vocabulary: Copy + Send + Sync + 'static {
    /// Every value, in display order.
    fn all() -> &'static [Self];
    /// The stored and displayed spelling.
    fn name(self) -> &'static str;
    /// Parses a spelling.
    fn parse_name(s: &str) -> Result<Self, UnknownValue>;
}

/// Declares a closed vocabulary stored as text: `as_str`, `Display`, `FromStr`, serde `Serialize`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and displayed spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                let wanted = s.trim().to_ascii_lowercase();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| UnknownValue {
                        what: $what,
                        value: s.to_string(),
                        expected: $name::ALL.iter().map(|v| v.as_str()).collect(),
                    })
            }
        }

        impl $crate::model::Vocabulary for $name {
            fn all() -> &'static [Self] {
                $name::ALL
            }
            fn name(self) -> &'static str {
                self.as_str()
            }
            fn parse_name(s: &str) -> Result<Self, UnknownValue> {
                s.parse()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

text_enum! {
    /// How much of a service the customer runs (the three categories of the shared responsibility model).
    Category, "category" {
        /// The customer runs the guest OS, patches and firewall rules (EC2, VPC, EBS).
        Infrastructure = "infrastructure",
        /// The provider runs OS and platform; the customer runs network controls, platform identity,
        /// data and backups (RDS, EMR, Elastic Beanstalk).
        Container = "container",
        /// The customer manages data, client-side encryption and access policies (S3, DynamoDB, SQS).
        Abstracted = "abstracted",
    }
}

text_enum! {
    /// Who is responsible for a control.
    Responsibility, "responsibility" {
        /// Fully the provider's; the customer inherits it.
        Inherited = "inherited",
        /// Both, in different contexts.
        Shared = "shared",
        /// The customer's alone (customer-specific).
        Customer = "customer",
        /// Nobody has classified it yet: a gap.
        Undetermined = "undetermined",
    }
}

text_enum! {
    /// How far a control is implemented (OSCAL's implementation states).
    ImplementationStatus, "implementation status" {
        /// In place.
        Implemented = "implemented",
        /// Partly in place.
        Partial = "partial",
        /// Planned.
        Planned = "planned",
        /// Met another way.
        Alternative = "alternative",
        /// Does not apply.
        NotApplicable = "not-applicable",
    }
}

impl Responsibility {
    /// True when the customer has anything to do for the control (shared or customer).
    pub fn customer_has_a_part(self) -> bool {
        matches!(self, Responsibility::Shared | Responsibility::Customer)
    }

    /// Parses a value that a person decided (a rule or an override): `undetermined` is not one.
    pub fn parse_decided(s: &str) -> Result<Responsibility, UnknownValue> {
        match s.parse::<Responsibility>() {
            Ok(Responsibility::Undetermined) | Err(_) => Err(UnknownValue {
                what: "responsibility",
                value: s.to_string(),
                expected: vec!["inherited", "shared", "customer"],
            }),
            Ok(r) => Ok(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_lists_choices_on_error() {
        assert_eq!("Container".parse::<Category>(), Ok(Category::Container));
        let err = "iaas".parse::<Category>().expect_err("not a category");
        assert_eq!(
            err.to_string(),
            "unknown category \"iaas\": expected infrastructure, container or abstracted"
        );
    }

    #[test]
    fn undetermined_is_not_a_decision() {
        assert!(Responsibility::parse_decided("undetermined").is_err());
        assert_eq!(Responsibility::parse_decided("shared"), Ok(Responsibility::Shared));
    }
}
