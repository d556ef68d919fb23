//! Fallback fonts found on the system, for characters the bundled DejaVu faces and `--font`
//! lack (CJK, emoji, ...). The search is fixed, so the same machine always picks the same fonts:
//! the directories in [`font_dirs`] order, each walked in sorted order, and from the files found
//! only the ones named in [`FALLBACKS`], in that order. Reading every font on a machine would be
//! slow and would make the choice depend on whatever happens to be installed; any other font
//! can be named with `--font`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Fallback font files by name, in the order they are tried, with the face to use in a
/// collection. CJK first (Noto Sans CJK, WenQuanYi, Droid Sans Fallback), then emoji and symbols
/// drawn as outlines (Noto Emoji, Symbola, Noto Sans Symbols), then GNU Unifont as a last resort.
/// Colour emoji fonts (Noto Color Emoji) hold bitmaps a PDF cannot embed as a font.
pub(crate) const FALLBACKS: &[(&str, u32)] = &[
    ("NotoSansCJK-Regular.ttc", 0),
    ("NotoSansCJKjp-Regular.otf", 0),
    ("NotoSansCJKsc-Regular.otf", 0),
    ("NotoSansCJKtc-Regular.otf", 0),
    ("NotoSansCJKkr-Regular.otf", 0),
    ("wqy-zenhei.ttc", 0),
    ("wqy-microhei.ttc", 0),
    ("DroidSansFallbackFull.ttf", 0),
    ("DroidSansFallback.ttf", 0),
    ("NotoEmoji-Regular.ttf", 0),
    ("Symbola.ttf", 0),
    ("Symbola_hint.ttf", 0),
    ("NotoSansSymbols2-Regular.ttf", 0),
    ("NotoSansSymbols-Regular.ttf", 0),
    ("unifont.otf", 0),
    ("unifont.ttf", 0),
    ("unifont_upper.otf", 0),
    ("unifont_upper.ttf", 0),
];

/// The directories searched for fallback fonts, in order: `CTRLMAP_FONT_DIRS` (separated by `:`;
/// set but empty, none: only the bundled fonts and `--font` are used, so the bytes do not depend
/// on the machine) or the usual ones.
pub(crate) fn font_dirs() -> Vec<PathBuf> {
    if let Some(dirs) = std::env::var_os("CTRLMAP_FONT_DIRS") {
        return std::env::split_paths(&dirs)
            .filter(|d| !d.as_os_str().is_empty())
            .collect();
    }
    let mut dirs: Vec<PathBuf> = ["/usr/share/fonts", "/usr/local/share/fonts"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let home = PathBuf::from(home);
        dirs.push(home.join(".local/share/fonts"));
        dirs.push(home.join(".fonts"));
    }
    dirs.extend(["/Library/Fonts", "/System/Library/Fonts"].iter().map(PathBuf::from));
    dirs
}

/// The fallback fonts present under `dirs`: for each name of [`FALLBACKS`] (in its order), the
/// first file of that name met walking `dirs` in order, each in sorted order.
pub(crate) fn find_fallbacks(dirs: &[PathBuf]) -> Vec<(PathBuf, u32)> {
    let mut found: BTreeMap<&'static str, PathBuf> = BTreeMap::new();
    for dir in dirs {
        walk(dir, 0, &mut |path| {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                return;
            };
            if let Some((wanted, _)) = FALLBACKS.iter().find(|(f, _)| *f == name) {
                found.entry(wanted).or_insert_with(|| path.to_path_buf());
            }
        });
    }
    FALLBACKS
        .iter()
        .filter_map(|(name, index)| Some((found.get(name)?.clone(), *index)))
        .collect()
}

/// Calls `visit` on every file under `dir`, in sorted order; symbolic links to directories are
/// not followed (they can loop), and the depth is bounded.
fn walk(dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path)) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(&path, depth + 1, visit);
        } else if path.is_file() {
            visit(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks_follow_the_list_order_and_the_first_directory_wins() {
        let a = tempfile::tempdir().expect("tempdir");
        let b = tempfile::tempdir().expect("tempdir");
        for (dir, file) in [
            (a.path().join("z"), "Symbola.ttf"),
            (a.path().join("y"), "readme.txt"),
            (b.path().to_path_buf(), "wqy-zenhei.ttc"),
            (b.path().to_path_buf(), "Symbola.ttf"),
        ] {
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(dir.join(file), b"x").expect("write");
        }
        let found = find_fallbacks(&[a.path().to_path_buf(), b.path().to_path_buf()]);
        assert_eq!(
            found,
            vec![
                (b.path().join("wqy-zenhei.ttc"), 0),
                (a.path().join("z/Symbola.ttf"), 0)
            ]
        );
        assert!(find_fallbacks(&[]).is_empty());
    }
}
