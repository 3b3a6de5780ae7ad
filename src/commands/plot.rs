//! What the `--plot` files of `sweep` and `cells` share: the format named by the file's extension
//! and the font plotters measures labels with.

use std::path::{Path, PathBuf};

use anyhow::Context;
use plotters::style::FontStyle;

/// The plot format named by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlotFormat {
    Svg,
    Png,
}

impl PlotFormat {
    /// The format `path` asks for, refused before any work is done when it is neither `.svg` nor
    /// `.png` (in any case).
    pub fn of(path: &Path) -> anyhow::Result<PlotFormat> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Ok(PlotFormat::Svg),
            Some("png") => Ok(PlotFormat::Png),
            _ => anyhow::bail!("--plot {}: the file name must end in .svg or .png", path.display()),
        }
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Svg => "svg",
            PlotFormat::Png => "png",
        }
    }
}

/// Registers a system TrueType font as plotters' "sans-serif".
pub(crate) fn load_font() -> anyhow::Result<()> {
    let candidates: Vec<PathBuf> = std::env::var_os("TEMPEST_FONT")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            [
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/TTF/DejaVuSans.ttf",
                "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
                "/usr/share/fonts/noto/NotoSans-Regular.ttf",
                "/System/Library/Fonts/Supplemental/Arial.ttf",
                "/Library/Fonts/Arial.ttf",
                "C:\\Windows\\Fonts\\arial.ttf",
            ]
            .map(PathBuf::from),
        )
        .collect();
    let path = candidates.iter().find(|p| p.is_file()).with_context(|| {
        "--plot needs a TrueType font to measure its labels and found none; set TEMPEST_FONT=/path/to/font.ttf"
    })?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read the font {}", path.display()))?;
    // plotters keeps fonts for the life of the process; a plot is drawn once per run.
    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
        .map_err(|_| anyhow::anyhow!("{} is not a font plotters can read; set TEMPEST_FONT", path.display()))
}
