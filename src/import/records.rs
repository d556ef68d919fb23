//! Parsers from CSV rows to model records, one per kind of file `init` and the import commands read.

use super::csv_file::{Columns, CsvFile, Row, parse_flag};
use crate::error::Result;
use crate::model::{
    Catalog, Category, Control, Offering, Provider, Responsibility, Rule, RuleScope, Service, Source, Team,
};

/// A record with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// Line in the source file.
    pub line: u64,
    /// The record.
    pub value: T,
}

fn each<T>(file: &CsvFile, parse: impl Fn(&Row<'_>) -> Result<T>) -> Result<Vec<Located<T>>> {
    file.rows()
        .map(|row| {
            Ok(Located {
                line: row.line(),
                value: parse(&row)?,
            })
        })
        .collect()
}

/// Columns of a providers file.
pub const PROVIDERS: Columns = Columns {
    required: &["key", "name"],
    optional: &[],
};

/// Providers: `key,name`.
pub fn providers(file: &CsvFile) -> Result<Vec<Located<Provider>>> {
    each(file, |r| {
        Ok(Provider {
            key: r.name("key")?,
            name: r.required_line("name")?,
        })
    })
}

/// Columns of a sources file.
pub const SOURCES: Columns = Columns {
    required: &["id", "title"],
    optional: &["publisher_or_author", "date", "url", "supports"],
};

/// Sources: `id,title[,publisher_or_author,date,url,supports]`. The date is YYYY-MM-DD or empty;
/// the URL, when given, is an http(s) address, so a citation is always something a reader can open.
pub fn sources(file: &CsvFile) -> Result<Vec<Located<Source>>> {
    each(file, |r| {
        let id = r.name("id")?;
        if id.contains(';') || id.chars().any(char::is_whitespace) {
            // `;` separates ids in a `source` cell, and a space would make it read as free text.
            return Err(r.invalid("id", "must not contain spaces or \";\""));
        }
        let date = r.one_line("date")?;
        if !date.is_empty()
            && let Err(e) = crate::model::evidence::Day::parse(&date)
        {
            return Err(r.invalid("date", &e.to_string()));
        }
        let url = r.one_line("url")?;
        let web = url.starts_with("https://") || url.starts_with("http://");
        if !url.is_empty() && (!web || url.chars().any(char::is_whitespace)) {
            return Err(r.invalid("url", &format!("\"{url}\" is not an http(s) address")));
        }
        Ok(Source {
            id,
            title: r.required_line("title")?,
            publisher_or_author: r.one_line("publisher_or_author")?,
            date,
            url,
            supports: r.one_line("supports")?,
        })
    })
}

/// Columns of an offerings file.
pub const OFFERINGS: Columns = Columns {
    required: &["key", "name", "provider", "category"],
    optional: &["source", "note"],
};

/// Offerings: `key,name,provider,category[,source,note]`.
pub fn offerings(file: &CsvFile) -> Result<Vec<Located<Offering>>> {
    each(file, |r| {
        Ok(Offering {
            key: r.name("key")?,
            name: r.required_line("name")?,
            provider: r.name("provider")?,
            category: r.parse::<Category>("category")?,
            source: Some(r.one_line("source")?)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "user import".to_string()),
            note: r.get("note").to_string(),
        })
    })
}

/// Columns of a catalogues file.
pub const CATALOGS: Columns = Columns {
    required: &["key", "title"],
    optional: &["version", "source"],
};

/// Catalogues: `key,title[,version,source]`.
pub fn catalogs(file: &CsvFile) -> Result<Vec<Located<Catalog>>> {
    each(file, |r| {
        Ok(Catalog {
            key: r.name("key")?,
            title: r.required_line("title")?,
            version: r.one_line("version")?,
            source: r.one_line("source")?,
        })
    })
}

/// Columns of a controls file.
pub const CONTROLS: Columns = Columns {
    required: &["key", "title"],
    optional: &["family", "statement", "parent", "sort_key", "withdrawn"],
};

/// Controls: `key,title[,family,statement,parent,sort_key,withdrawn]`; without a sort key,
/// controls keep the file's order.
pub fn controls(file: &CsvFile) -> Result<Vec<Located<Control>>> {
    each(file, |r| {
        let withdrawn = match r.get("withdrawn").to_ascii_lowercase().as_str() {
            "" | "no" | "n" | "false" | "0" => false,
            "yes" | "y" | "true" | "1" => true,
            _ => return Err(r.invalid("withdrawn", "expected yes or no")),
        };
        Ok(Control {
            key: r.name("key")?,
            title: r.required_line("title")?,
            family: r.one_line("family")?,
            statement: r.get("statement").to_string(),
            parent: r.optional("parent"),
            sort_key: r.optional("sort_key").unwrap_or_else(|| format!("{:08}", r.line())),
            withdrawn,
        })
    })
}

/// Columns of a rules file.
pub const RULES: Columns = Columns {
    required: &["category", "responsibility", "rationale"],
    optional: &["control", "family", "source"],
};

/// Rules: `[control,family,]category,responsibility,rationale[,source]`. A row names a control,
/// a family, or neither (the catalogue default); category `*` stands for all three.
pub fn rules(file: &CsvFile) -> Result<Vec<Located<Rule>>> {
    let mut out = Vec::new();
    for r in file.rows() {
        let scope = match (r.optional("control"), r.optional("family")) {
            (Some(_), Some(_)) => {
                return Err(r.invalid("family", "a rule names a control or a family, not both"));
            }
            (Some(key), None) => RuleScope::Control(key),
            (None, Some(family)) => RuleScope::Family(family),
            (None, None) => RuleScope::Catalog,
        };
        let categories = match r.get("category") {
            "*" | "all" => Category::ALL.to_vec(),
            _ => vec![r.parse::<Category>("category")?],
        };
        let responsibility = Responsibility::parse_decided(r.get("responsibility"))
            .map_err(|e| r.invalid("responsibility", &e.to_string()))?;
        let rationale = r.required("rationale")?;
        for category in categories {
            out.push(Located {
                line: r.line(),
                value: Rule {
                    scope: scope.clone(),
                    category,
                    responsibility,
                    rationale: rationale.clone(),
                    source: r.one_line("source")?,
                },
            });
        }
    }
    Ok(out)
}

/// Columns of a teams file.
pub const TEAMS: Columns = Columns {
    required: &["name"],
    optional: &["contact"],
};

/// Teams: `name[,contact]`.
pub fn teams(file: &CsvFile) -> Result<Vec<Located<Team>>> {
    each(file, |r| {
        Ok(Team {
            name: r.name("name")?,
            contact: r.one_line("contact")?,
        })
    })
}

/// Columns of a services file.
pub const SERVICES: Columns = Columns {
    required: &["name", "offering"],
    optional: &[
        "team",
        "environment",
        "region",
        "data_classification",
        "in_scope",
        "resources",
    ],
};

/// The `resources` cells of a services file: (line, service name, patterns split by `;`), each
/// pattern checked by [`crate::model::resource::problem`].
pub fn service_resources(file: &CsvFile) -> Result<Vec<(u64, String, Vec<String>)>> {
    let mut out = Vec::new();
    for r in file.rows() {
        let cell = r.get("resources");
        if cell.is_empty() {
            continue;
        }
        let mut patterns = Vec::new();
        for p in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some(problem) = crate::model::resource::problem(p) {
                return Err(r.invalid("resources", &format!("pattern \"{p}\" {problem}")));
            }
            patterns.push(p.to_string());
        }
        out.push((r.line(), r.get("name").to_string(), patterns));
    }
    Ok(out)
}

/// Services: `name,offering[,team,environment,region,data_classification,in_scope]`.
pub fn services(file: &CsvFile) -> Result<Vec<Located<Service>>> {
    each(file, |r| {
        Ok(Service {
            name: r.name("name")?,
            offering: r.name("offering")?,
            team: r.optional("team"),
            environment: r.one_line("environment")?,
            region: r.one_line("region")?,
            data_classification: r.one_line("data_classification")?,
            in_scope: parse_flag(r.get("in_scope")).ok_or_else(|| r.invalid("in_scope", "expected yes or no"))?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str, columns: Columns) -> CsvFile {
        CsvFile::read("f.csv", text.as_bytes(), columns).expect("valid csv")
    }

    #[test]
    fn a_star_category_expands_to_all_three() {
        let f = file("family,category,responsibility,rationale\nPE,*,inherited,why\n", RULES);
        let rules = rules(&f).expect("valid rules");
        assert_eq!(rules.len(), 3);
        assert!(rules.iter().all(|r| r.value.scope == RuleScope::Family("PE".into())));
    }

    #[test]
    fn a_rule_cannot_be_undetermined_or_unknown() {
        let f = file(
            "control,category,responsibility,rationale\nX,container,undetermined,why\n",
            RULES,
        );
        let err = rules(&f).expect_err("undetermined").to_string();
        assert_eq!(
            err,
            "f.csv line 2, column \"responsibility\": unknown responsibility \"undetermined\": expected inherited, shared or customer"
        );
    }

    #[test]
    fn services_name_the_bad_cell() {
        let f = file("name,offering,in_scope\na,aws.ec2,maybe\n", SERVICES);
        let err = services(&f).expect_err("bad flag").to_string();
        assert_eq!(err, "f.csv line 2, column \"in_scope\": expected yes or no");
        let f = file("name,offering\n,aws.ec2\n", SERVICES);
        assert_eq!(
            services(&f).expect_err("empty").to_string(),
            "f.csv line 2, column \"name\": must not be empty"
        );
    }

    #[test]
    fn offerings_reject_an_unknown_category() {
        let f = file("key,name,provider,category\naws.x,X,aws,iaas\n", OFFERINGS);
        let err = offerings(&f).expect_err("bad category").to_string();
        assert!(err.contains("column \"category\": unknown category \"iaas\""), "{err}");
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever bytes arrive, the CSV readers answer with records or an error, never a panic.
        #[test]
        fn csv_importers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            for columns in [SERVICES, TEAMS, OFFERINGS, RULES, CONTROLS, CATALOGS, PROVIDERS, SOURCES] {
                if let Ok(file) = CsvFile::read("fuzz.csv", bytes.as_slice(), columns) {
                    let _ = sources(&file);
                    let _ = services(&file);
                    let _ = teams(&file);
                    let _ = offerings(&file);
                    let _ = rules(&file);
                    let _ = controls(&file);
                }
            }
        }

        /// Text that looks like a services file, with random cells, never panics either.
        #[test]
        fn service_rows_never_panic(cells in prop::collection::vec("[ -~\u{0}-\u{1f}\u{e9}\u{2603}]{0,12}", 0..24)) {
            let mut text = String::from("name,offering,team,environment,region,data_classification,in_scope\n");
            for row in cells.chunks(7) {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            if let Ok(file) = CsvFile::read("fuzz.csv", text.as_bytes(), SERVICES) {
                let _ = services(&file);
            }
        }
    }
}
