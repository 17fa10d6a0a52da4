//! Small self-contained SVG charts for the report: a ranking bar chart, a
//! per-column histogram of the top values and a redundancy heatmap.
//!
//! Written by hand (no plotting dependency, no fonts needed): every chart
//! is one `<svg>` element with inline styles, valid as a standalone `.svg`
//! file and inside HTML. All text from the data is escaped.

use std::fmt::Write;

const FONT: &str = "font-family=\"Helvetica, Arial, sans-serif\"";
const BAR: &str = "#3b75af";
const BAR_FLAGGED: &str = "#d9822b";
const INK: &str = "#222";
const MUTED: &str = "#666";

/// Escapes text for XML and HTML (and drops control characters, which XML
/// forbids).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('\u{2026}');
        t
    }
}

/// A number in a few significant digits.
pub fn short(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if a == 0.0 {
        "0".into()
    } else if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.3}")
    } else if a >= 0.001 {
        format!("{x:.4}")
    } else {
        format!("{x:.2e}")
    }
}

fn open(w: f64, h: f64, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" {FONT}><title>{}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        escape(title)
    )
}

/// One bar of the ranking chart.
pub struct Bar {
    /// Feature name.
    pub label: String,
    /// Its score (MI - EMI).
    pub value: f64,
    /// Drawn in the warning colour, with this note (e.g. "id-like").
    pub flag: Option<String>,
}

/// A horizontal bar chart, best first (values below 0 drawn as 0).
pub fn bar_chart(bars: &[Bar], title: &str, axis: &str) -> String {
    let (left, right, top, row) = (230.0, 150.0, 34.0, 18.0);
    let plot = 520.0;
    let w = left + plot + right;
    let h = top + row * bars.len().max(1) as f64 + 34.0;
    let max = bars.iter().map(|b| b.value).fold(0.0f64, f64::max);
    let scale = if max > 0.0 { plot / max } else { 0.0 };
    let mut s = open(w, h, title);
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let len = (b.value.max(0.0) * scale).max(if b.value > 0.0 { 1.0 } else { 0.0 });
        let color = if b.flag.is_some() { BAR_FLAGGED } else { BAR };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            left - 6.0,
            y + 12.5,
            escape(&truncate(&b.label, 32))
        );
        let _ = write!(
            s,
            "<rect x=\"{left}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {}</title></rect>",
            y + 2.0,
            row - 4.0,
            escape(&b.label),
            short(b.value)
        );
        let note = match &b.flag {
            Some(f) => format!("{}  ({})", short(b.value), f),
            None => short(b.value),
        };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{MUTED}\">{}</text>",
            left + len + 4.0,
            y + 12.5,
            escape(&note)
        );
    }
    let base = top + row * bars.len().max(1) as f64 + 4.0;
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{base:.1}\" stroke=\"{INK}\" stroke-width=\"1\"/>\
         <line x1=\"{left}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\" stroke=\"{INK}\" stroke-width=\"1\"/>",
        left + plot
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let x = left + v * scale;
        let _ = write!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{base:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"{INK}\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text>",
            base + 4.0,
            base + 15.0,
            short(v)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{MUTED}\">{}</text></svg>",
        left + plot / 2.0,
        base + 28.0,
        escape(axis)
    );
    s
}

/// A small horizontal histogram of a column's top values:
/// `(label, count, share)`, largest first.
pub fn histogram(values: &[(String, u64, f64)], title: &str) -> String {
    let (left, plot, right, row, top) = (118.0, 140.0, 56.0, 14.0, 4.0);
    let w = left + plot + right;
    let h = top + row * values.len().max(1) as f64 + 4.0;
    let max = values.iter().map(|v| v.2).fold(0.0f64, f64::max);
    let scale = if max > 0.0 { plot / max } else { 0.0 };
    let mut s = open(w, h, title);
    for (i, (label, count, share)) in values.iter().enumerate() {
        let y = top + row * i as f64;
        let len = (share * scale).max(1.0);
        let special = label == "<missing>" || label == "<other>";
        let color = if special { "#999" } else { BAR };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"{INK}\">{}</text>\
             <rect x=\"{left}\" y=\"{:.1}\" width=\"{len:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {} rows</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"{MUTED}\">{:.1}%</text>",
            left - 4.0,
            y + 10.0,
            escape(&truncate(label, 20)),
            y + 1.5,
            row - 3.0,
            escape(label),
            count,
            left + len + 3.0,
            y + 10.0,
            100.0 * share
        );
    }
    s.push_str("</svg>");
    s
}

/// A heatmap of a symmetric matrix with values in [0, 1] (white to blue).
pub fn heatmap(names: &[String], matrix: &[Vec<f64>], title: &str) -> String {
    let n = names.len().max(1);
    let cell = (560.0 / n as f64).clamp(10.0, 30.0);
    let (left, top) = (180.0, 150.0);
    let w = left + cell * n as f64 + 90.0;
    let h = top + cell * n as f64 + 20.0;
    let mut s = open(w, h, title);
    let _ = write!(
        s,
        "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
        escape(title)
    );
    let font = (cell * 0.42).clamp(7.0, 11.0);
    for (i, name) in names.iter().enumerate() {
        let c = top + cell * (i as f64 + 0.5);
        let x = left + cell * (i as f64 + 0.5);
        let label = escape(&truncate(name, 24));
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\" fill=\"{INK}\">{label}</text>\
             <text transform=\"translate({x:.1},{:.1}) rotate(-50)\" font-size=\"11\" fill=\"{INK}\">{label}</text>",
            left - 5.0,
            c,
            top - 6.0
        );
    }
    for (i, row) in matrix.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let v = if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            };
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell:.1}\" height=\"{cell:.1}\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{} / {}: {:.3}</title></rect>",
                blue(v),
                escape(names.get(i).map_or("", String::as_str)),
                escape(names.get(j).map_or("", String::as_str)),
                v
            );
            if cell >= 20.0 && i != j {
                let ink = if v > 0.55 { "#fff" } else { INK };
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{font:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"{ink}\">{:.2}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0,
                    v
                );
            }
        }
    }
    // Legend.
    let lx = left + cell * n as f64 + 24.0;
    for k in 0..10 {
        let v = 1.0 - k as f64 / 9.0;
        let _ = write!(
            s,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"14\" height=\"12\" fill=\"{}\"/>",
            top + 12.0 * k as f64,
            blue(v)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{MUTED}\">1</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{MUTED}\">0</text></svg>",
        lx + 18.0,
        top + 10.0,
        lx + 18.0,
        top + 118.0
    );
    s
}

/// White (0) to dark blue (1).
fn blue(v: f64) -> String {
    let (r, g, b) = (
        255.0 + (8.0 - 255.0) * v,
        255.0 + (69.0 - 255.0) * v,
        255.0 + (148.0 - 255.0) * v,
    );
    format!("#{:02x}{:02x}{:02x}", r as u8, g as u8, b as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("<b a=\"1\">&'\u{1}"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&#39; "
        );
        assert_eq!(truncate("abcdef", 4), "abc\u{2026}");
        assert_eq!(truncate("ab", 4), "ab");
    }

    #[test]
    fn charts_are_one_svg_element_each() {
        let bars = vec![
            Bar {
                label: "a<b".into(),
                value: 0.2,
                flag: None,
            },
            Bar {
                label: "id".into(),
                value: -0.001,
                flag: Some("id-like".into()),
            },
        ];
        for svg in [
            bar_chart(&bars, "t", "MI - EMI"),
            histogram(&[("x".into(), 3, 0.75), ("<missing>".into(), 1, 0.25)], "h"),
            heatmap(
                &["a".into(), "b".into()],
                &[vec![1.0, 0.3], vec![0.3, 1.0]],
                "r",
            ),
        ] {
            assert!(svg.starts_with("<svg xmlns="));
            assert!(svg.ends_with("</svg>"));
            assert_eq!(svg.matches("<svg").count(), 1);
            assert!(!svg.contains("a<b"));
        }
        assert_eq!(blue(0.0), "#ffffff");
        assert_eq!(blue(1.0), "#084594");
    }
}
