//! The shape of an OSCAL catalog as the reader uses it, deserialised straight from the document's
//! text: only the members the reader looks at are kept, strings are borrowed from the text where
//! they have no escapes, and nothing else is built.
//!
//! Deserialising never refuses a document for its shape: a member of the wrong type is kept as
//! such ([`Str::Null`], [`Str::Other`], [`Seq::Other`], an [`Obj`] that was not an object), so
//! the reader names its JSON path exactly as it would over a generic JSON tree. Members it does
//! not use are read as JSON and dropped ([`Skip`]), so a document is valid JSON here exactly when
//! it is for `serde_json::Value` (numbers out of range and bad escapes included), and its syntax
//! errors are found before any of its contents are judged. A member written twice keeps its last
//! value, as a JSON object map does.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Any JSON value, read and dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // `deserialize_any`, not `deserialize_ignored_any`: it checks numbers and strings as a
        // generic JSON tree would, so both accept the same documents.
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        Skip::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// A JSON value where the reader wants a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Str<'a> {
    /// A string, borrowed from the document when it has no escapes.
    Text(Cow<'a, str>),
    /// `null`.
    Null,
    /// Anything else (a number, a boolean, an array, an object).
    Other,
}

impl Str<'_> {
    /// The string, if the value is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Str::Text(s) => Some(s),
            Str::Null | Str::Other => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Str<'de>, E> {
        Ok(Str::Text(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Str<'de>, E> {
        Ok(Str::Text(Cow::Owned(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<Str<'de>, E> {
        Ok(Str::Text(Cow::Owned(s)))
    }
    fn visit_unit<E>(self) -> Result<Str<'de>, E> {
        Ok(Str::Null)
    }
    fn visit_none<E>(self) -> Result<Str<'de>, E> {
        Ok(Str::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Str<'de>, E> {
        Ok(Str::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Str<'de>, E> {
        Ok(Str::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Str<'de>, E> {
        Ok(Str::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Str<'de>, E> {
        Ok(Str::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Str<'de>, A::Error> {
        SkipVisitor.visit_seq(seq).map(|_| Str::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Str<'de>, A::Error> {
        SkipVisitor.visit_map(map).map(|_| Str::Other)
    }
}

/// The members of an object the reader uses, filled one member at a time.
pub(super) trait Members<'de>: Default {
    /// Reads the value of member `key` from `map` into its field, or skips it.
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// A JSON value where the reader wants an object: its members, all absent when it was not one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Obj<T> {
    /// The members read (none when the value is not an object).
    pub(super) fields: T,
    /// Whether the value was an object.
    pub(super) object: bool,
}

impl<'de, T: Members<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(std::marker::PhantomData))
    }
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<T> ObjVisitor<T> {
    fn not_an_object<E>() -> Result<Obj<T>, E>
    where
        T: Default,
    {
        Ok(Obj {
            fields: T::default(),
            object: false,
        })
    }
}

impl<'de, T: Members<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj<T>, A::Error> {
        let mut fields = T::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            // serde_json's keys are always strings.
            fields.member(key.as_str().unwrap_or_default(), &mut map)?;
        }
        Ok(Obj { fields, object: true })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
        SkipVisitor.visit_seq(seq)?;
        Self::not_an_object()
    }
    fn visit_bool<E>(self, _: bool) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
    fn visit_i64<E>(self, _: i64) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
    fn visit_u64<E>(self, _: u64) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
    fn visit_f64<E>(self, _: f64) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
    fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
    fn visit_unit<E>(self) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
    fn visit_none<E>(self) -> Result<Obj<T>, E> {
        Self::not_an_object()
    }
}

/// A JSON value where the reader wants an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seq<T> {
    /// An array.
    Items(Vec<T>),
    /// Anything else, `null` included.
    Other,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Seq<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SeqVisitor(std::marker::PhantomData))
    }
}

struct SeqVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for SeqVisitor<T> {
    type Value = Seq<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seq<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Seq::Items(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Seq<T>, A::Error> {
        SkipVisitor.visit_map(map)?;
        Ok(Seq::Other)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
    fn visit_unit<E>(self) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
    fn visit_none<E>(self) -> Result<Seq<T>, E> {
        Ok(Seq::Other)
    }
}

/// Declares a struct of the members the reader uses, each `Option` (absent is `None`), and how
/// it reads them: `"json-name" => field: Type`; every other member is skipped.
macro_rules! members {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $json:literal => $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub(super) struct $name<'a> {
            $($(#[$fdoc])* pub(super) $field: Option<$ty>,)*
        }

        impl<'de: 'a, 'a> Members<'de> for $name<'a> {
            fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
                match key {
                    $($json => self.$field = Some(map.next_value()?),)*
                    _ => {
                        map.next_value::<Skip>()?;
                    }
                }
                Ok(())
            }
        }
    };
}

members! {
    /// The catalog itself, a group or a control: each may hold parameters, groups and controls.
    Node {
        "id" => id: Str<'a>,
        "uuid" => uuid: Str<'a>,
        "title" => title: Str<'a>,
        "metadata" => metadata: Obj<Metadata<'a>>,
        "params" => params: Seq<Obj<Param<'a>>>,
        "groups" => groups: Seq<Obj<Node<'a>>>,
        "controls" => controls: Seq<Obj<Node<'a>>>,
        "props" => props: Seq<Obj<Prop<'a>>>,
        "parts" => parts: Seq<Obj<Part<'a>>>,
    }
}

members! {
    /// The catalog's metadata.
    Metadata {
        "title" => title: Str<'a>,
        "version" => version: Str<'a>,
        "oscal-version" => oscal_version: Str<'a>,
    }
}

members! {
    /// A parameter.
    Param {
        "id" => id: Str<'a>,
        "label" => label: Str<'a>,
        "values" => values: Seq<Str<'a>>,
        "select" => select: Obj<Select<'a>>,
    }
}

members! {
    /// A parameter's selection.
    Select {
        "how-many" => how_many: Str<'a>,
        "choice" => choice: Seq<Str<'a>>,
    }
}

members! {
    /// A property; only whether it has a `class` matters, not its value.
    Prop {
        "name" => name: Str<'a>,
        "value" => value: Str<'a>,
        "class" => class: Skip,
    }
}

members! {
    /// A part of a control (its statement) and the items in it.
    Part {
        "name" => name: Str<'a>,
        "prose" => prose: Str<'a>,
        "props" => props: Seq<Obj<Prop<'a>>>,
        "parts" => parts: Seq<Obj<Part<'a>>>,
    }
}

/// The whole document: its `catalog`, and otherwise its first member by name, to say what it is
/// instead.
#[derive(Debug, Default)]
pub(super) struct Root<'a> {
    /// The top-level `catalog`.
    pub(super) catalog: Option<Obj<Node<'a>>>,
    /// The top-level member that sorts first by name, when the document is an object.
    pub(super) first_key: Option<String>,
}

impl<'de: 'a, 'a> Members<'de> for Root<'a> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if self.first_key.as_deref().is_none_or(|first| key < first) {
            self.first_key = Some(key.to_string());
        }
        if key == "catalog" {
            self.catalog = Some(map.next_value()?);
        } else {
            map.next_value::<Skip>()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Obj<Root<'_>> {
        serde_json::from_str(text).expect("valid JSON")
    }

    #[test]
    fn members_of_the_wrong_type_are_kept_as_such() {
        let r = root(
            r#"{"z": 1, "catalog": {"id": 5, "title": null, "uuid": "u\"q", "groups": {"a": [1]},
                "controls": [3, {"id": "c"}], "props": [{"name": "n", "class": null}], "other": [[{}]]}}"#,
        );
        assert!(r.object);
        assert_eq!(r.fields.first_key.as_deref(), Some("catalog"));
        let c = r.fields.catalog.expect("catalog");
        assert!(c.object);
        let c = c.fields;
        assert_eq!(c.id, Some(Str::Other));
        assert_eq!(c.title, Some(Str::Null));
        assert_eq!(c.uuid, Some(Str::Text("u\"q".into())));
        assert_eq!(c.groups, Some(Seq::Other));
        assert_eq!(c.metadata, None);
        let Some(Seq::Items(controls)) = c.controls else {
            panic!("controls are an array")
        };
        assert!(!controls[0].object && controls[1].object);
        assert_eq!(controls[1].fields.id.as_ref().and_then(Str::as_str), Some("c"));
        let Some(Seq::Items(props)) = c.props else {
            panic!("props are an array")
        };
        assert_eq!(props[0].fields.class, Some(Skip), "a null class is still a class");
    }

    #[test]
    fn the_last_of_a_member_written_twice_counts() {
        let r = root(r#"{"catalog": {"title": "one", "title": "two"}}"#);
        let title = r.fields.catalog.and_then(|c| c.fields.title);
        assert_eq!(title.as_ref().and_then(Str::as_str), Some("two"));
    }

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let r = root(r#"{"catalog": {"id": "plain", "title": "tab\there"}}"#);
        let c = r.fields.catalog.expect("catalog").fields;
        assert!(matches!(c.id, Some(Str::Text(Cow::Borrowed("plain")))));
        assert!(matches!(c.title, Some(Str::Text(Cow::Owned(ref s))) if s == "tab\there"));
    }

    #[test]
    fn the_same_documents_are_valid_json_as_for_a_generic_tree() {
        for text in [
            r#"{"x": 1e400}"#,
            r#"{"x": "\ud800"}"#,
            r#"{"x": [1, 2,]}"#,
            r#"{"x": 1} x"#,
            r#"{"catalog": {"other": -1e999}}"#,
            r#"{"catalog": {"groups": [{"title": "\uZZZZ"}]}}"#,
            r#"[{"a": 1}, 2.5, -0, true, null, "s"]"#,
            r#"{"catalog": {"props": [{"name": "a", "class": {"deep": [1e5, null]}}]}}"#,
        ] {
            let generic = serde_json::from_str::<serde_json::Value>(text).map_err(|e| e.to_string());
            let typed = serde_json::from_str::<Obj<Root<'_>>>(text).map_err(|e| e.to_string());
            assert_eq!(generic.is_ok(), typed.is_ok(), "{text}");
            if let (Err(a), Err(b)) = (generic, typed) {
                assert_eq!(a, b, "{text}");
            }
        }
    }
}
