//! Resource patterns: which resources a service owns. A pattern is a resource id with wildcards,
//! as IAM writes ARNs: `*` stands for any run of characters (`:` and `/` included), `?` for one.
//! An account is named `aws-account:111122223333`, the form scanners' account-wide findings take.

/// Why `pattern` cannot be a resource pattern, or `None` when it can.
pub fn problem(pattern: &str) -> Option<String> {
    if pattern.is_empty() {
        return Some("is empty".into());
    }
    if let Some(c) = pattern.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "holds {c:?}: resource ids have no spaces or control characters"
        ));
    }
    if let Some(c) = pattern.chars().find(|c| matches!(c, '[' | ']' | '{' | '}' | '\\')) {
        return Some(format!(
            "holds '{c}': only * (any characters) and ? (one character) are wildcards here"
        ));
    }
    if pattern.chars().all(|c| c == '*' || c == '?') {
        return Some("matches every resource: name an account or an ARN prefix".into());
    }
    None
}

/// Whether `resource` matches `pattern` (`*` any run, `?` one character), in linear time and,
/// for ASCII text (resource ids nearly always are), without allocating.
pub fn matches(pattern: &str, resource: &str) -> bool {
    if pattern.is_ascii() && resource.is_ascii() {
        return glob(pattern.as_bytes(), resource.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let r: Vec<char> = resource.chars().collect();
    glob(&p, &r, '*', '?')
}

/// The wildcard match of `r` by `p`: on a mismatch, the last `*` takes one more element.
fn glob<T: PartialEq + Copy>(p: &[T], r: &[T], star_sym: T, one: T) -> bool {
    let (mut pi, mut ri) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ri < r.len() {
        if pi < p.len() && (p[pi] == one || p[pi] == r[ri]) {
            pi += 1;
            ri += 1;
        } else if pi < p.len() && p[pi] == star_sym {
            star = Some((pi, ri));
            pi += 1;
        } else if let Some((sp, sr)) = star {
            pi = sp + 1;
            ri = sr + 1;
            star = Some((sp, sr + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == star_sym)
}

/// How specific a pattern is: its count of literal characters. Where several services' patterns
/// match one resource, the most specific names its owner.
pub fn specificity(pattern: &str) -> usize {
    pattern.chars().filter(|&c| c != '*' && c != '?').count()
}

/// Patterns of services, for matching many resources against them.
#[derive(Debug, Default, Clone)]
pub struct Owners {
    /// (pattern, service id, service name), most specific first, then by service name.
    patterns: Vec<(String, i64, String)>,
}

impl Owners {
    /// Indexes `(pattern, service id, service name)` rows.
    pub fn new(mut patterns: Vec<(String, i64, String)>) -> Owners {
        patterns.sort_by(|a, b| {
            specificity(&b.0)
                .cmp(&specificity(&a.0))
                .then_with(|| a.2.cmp(&b.2))
                .then_with(|| a.0.cmp(&b.0))
        });
        Owners { patterns }
    }

    /// The service that owns `resource` (id, name), by its most specific matching pattern.
    pub fn owner(&self, resource: &str) -> Option<(i64, &str)> {
        self.patterns
            .iter()
            .find(|(p, _, _)| matches(p, resource))
            .map(|(_, id, name)| (*id, name.as_str()))
    }

    /// Whether any service has a pattern.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks_match_as_iam_does() {
        let p = "arn:aws:rds:*:111122223333:db:orders-*";
        assert!(matches(p, "arn:aws:rds:eu-west-1:111122223333:db:orders-main"));
        assert!(matches(p, "arn:aws:rds:us-east-1:111122223333:db:orders-"));
        assert!(!matches(p, "arn:aws:rds:eu-west-1:999999999999:db:orders-main"));
        assert!(!matches(p, "arn:aws:rds:eu-west-1:111122223333:cluster:orders"));
        assert!(matches("arn:aws:s3:::logs-20??", "arn:aws:s3:::logs-2026"));
        assert!(!matches("arn:aws:s3:::logs-20??", "arn:aws:s3:::logs-202"));
        assert!(matches("aws-account:111122223333", "aws-account:111122223333"));
        assert!(!matches("aws-account:111122223333", "aws-account:1111222233334"));
        assert!(matches("a*b*c", "aXXbYYc"));
        assert!(!matches("a*b*c", "aXXbYY"));
        assert!(matches("*:db:*", "arn:aws:rds:x:1:db:y/z"));
        assert!(matches("arn:aws:s3:::données-?", "arn:aws:s3:::données-é"));
        assert!(!matches("arn:aws:s3:::données-?", "arn:aws:s3:::données-éé"));
    }

    #[test]
    fn unsupported_or_empty_patterns_are_refused() {
        assert!(problem("arn:aws:s3:::bucket").is_none());
        assert!(problem("").is_some());
        assert!(problem("arn:aws:s3:::[ab]").is_some());
        assert!(problem("arn:aws:s3:::{a,b}").is_some());
        assert!(problem("arn with space").is_some());
        assert!(problem("**").is_some());
    }

    #[test]
    fn the_most_specific_pattern_names_the_owner() {
        let owners = Owners::new(vec![
            ("arn:aws:rds:*".into(), 1, "all-rds".into()),
            ("arn:aws:rds:*:111122223333:db:orders-*".into(), 2, "orders-db".into()),
        ]);
        assert_eq!(
            owners.owner("arn:aws:rds:eu-west-1:111122223333:db:orders-1"),
            Some((2, "orders-db"))
        );
        assert_eq!(owners.owner("arn:aws:rds:eu-west-1:1:db:x"), Some((1, "all-rds")));
        assert_eq!(owners.owner("arn:aws:s3:::x"), None);
    }
}
