//! `report.html`: one self-contained page (inline CSS and SVG, no script,
//! no network resource) that works offline.

use std::fmt::Write;

use cardrank::quality::{ColumnQuality, QualityReport, Role};

use crate::svg::{escape, short};

/// The charts drawn for the page (also written as `.svg` files).
pub struct Charts {
    /// The ranking bar chart, when there is a ranking.
    pub ranking: Option<String>,
    /// The redundancy heatmap, when pairs were counted.
    pub heatmap: Option<String>,
    /// Why there is no heatmap, when there is none.
    pub heatmap_note: String,
    /// One histogram per report column, in the report's order.
    pub histograms: Vec<String>,
}

const STYLE: &str = r#"
body{font-family:Helvetica,Arial,sans-serif;margin:0;background:#f6f7f9;color:#222;font-size:14px}
header{background:#1f3b57;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px 0;font-size:22px}
header p{margin:2px 0;color:#dbe4ee}
main{padding:8px 28px 40px 28px;max-width:1400px}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:14px 18px;margin:16px 0}
h2{font-size:17px;margin:0 0 10px 0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:3px;padding:1px 6px;margin:1px 3px 1px 0;font-size:12px;background:#fde8d4;color:#8a4b08}
.badge.ok{background:#e3f1e3;color:#2d6a2d}
.chips span{display:inline-block;margin:0 10px 6px 0;padding:4px 10px;border-radius:14px;background:#eef2f6}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
.card{border:1px solid #e1e4e8;border-radius:6px;padding:10px;background:#fff}
.card.flagged{border-color:#e8a25c}
.card h3{margin:0 0 4px 0;font-size:14px;word-break:break-all}
.card .role{color:#666;font-weight:normal;font-size:12px}
.card table td{padding:1px 4px;border:0;font-size:12px}
.muted{color:#666}
svg{max-width:100%;height:auto}
code{background:#f0f2f5;padding:0 3px;border-radius:3px}
header code{background:rgba(255,255,255,.18);color:#fff}
"#;

/// The whole page.
pub fn page(report: &QualityReport, charts: &Charts, source: &str, seconds: f64) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Data-quality report: {}</title><style>{STYLE}</style></head><body>",
        escape(source)
    );
    header(&mut s, report, source, seconds);
    s.push_str("<main>");
    summary(&mut s, report);
    flags_table(&mut s, report);
    s.push_str("<section id=\"ranking\"><h2>Ranking by MI - EMI</h2>");
    match &charts.ranking {
        Some(svg) => {
            s.push_str(
                "<p class=\"muted\">What each feature tells about the target beyond what a random \
                 feature with the same value counts tells by chance (nats; top 30). Orange: flagged.</p>",
            );
            s.push_str(svg);
        }
        None => s.push_str("<p class=\"muted\">No ranking (see the notes).</p>"),
    }
    s.push_str("</section><section id=\"redundancy\"><h2>Redundancy</h2>");
    match &charts.heatmap {
        Some(svg) => {
            s.push_str(
                "<p class=\"muted\">Adjusted mutual information between pairs of the best-ranked \
                 features (0: independent beyond chance, 1: one determines the other).</p>",
            );
            s.push_str(svg);
        }
        None => {
            let _ = write!(s, "<p class=\"muted\">{}</p>", escape(&charts.heatmap_note));
        }
    }
    s.push_str("</section>");
    columns(&mut s, report, &charts.histograms);
    unusual_rows(&mut s, report);
    notes(&mut s, report);
    s.push_str("</main></body></html>\n");
    s
}

fn header(s: &mut String, r: &QualityReport, source: &str, seconds: f64) {
    let tokens: Vec<String> = r
        .missing_tokens
        .iter()
        .map(|t| format!("<code>\"{}\"</code>", escape(t)))
        .collect();
    let _ = write!(
        s,
        "<header><h1>Data-quality report</h1><p>{} &middot; {} rows &middot; {} features &middot; \
         target <code>{}</code> ({} classes, H = {:.4} nats)</p><p>missing tokens: {} &middot; \
         {:.2} s &middot; cardrank {}</p></header>",
        escape(source),
        r.rows,
        r.columns.len().saturating_sub(1),
        escape(&r.target),
        r.classes,
        r.target_entropy,
        tokens.join(", "),
        seconds,
        env!("CARGO_PKG_VERSION")
    );
}

fn summary(s: &mut String, r: &QualityReport) {
    let names = [
        "constant",
        "near_constant",
        "mostly_missing",
        "id_like",
        "duplicate",
        "label_leak",
        "drift",
        "rare_values",
    ];
    s.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"chips\">");
    let flagged = r.columns.iter().filter(|c| !c.flags.is_empty()).count();
    let _ = write!(
        s,
        "<span><b>{flagged}</b> of {} columns flagged</span>",
        r.columns.len()
    );
    for name in names {
        let n = r.flagged().filter(|(_, f)| f.flag == name).count();
        if n > 0 {
            let _ = write!(s, "<span><b>{n}</b> {name}</span>");
        }
    }
    s.push_str("</div></section>");
}

fn flags_table(s: &mut String, r: &QualityReport) {
    s.push_str("<section id=\"flags\"><h2>Flags</h2>");
    if r.flagged().next().is_none() {
        s.push_str("<p><span class=\"badge ok\">no flags</span> nothing found with the thresholds below.</p></section>");
        return;
    }
    s.push_str(
        "<table><thead><tr><th>column</th><th>flag</th><th>figure</th><th class=\"num\">observed</th>\
         <th>rule</th><th>note</th></tr></thead><tbody>",
    );
    for (c, f) in r.flagged() {
        let _ = write!(
            s,
            "<tr><td>{}</td><td><span class=\"badge\">{}</span></td><td>{}</td><td class=\"num\">{}</td>\
             <td>{} {} {}</td><td>{}</td></tr>",
            escape(&c.name),
            escape(&f.flag),
            escape(&f.figure),
            short(f.observed),
            escape(&f.figure),
            escape(&f.op),
            short(f.threshold),
            escape(&f.note)
        );
    }
    s.push_str("</tbody></table></section>");
}

fn row(s: &mut String, k: &str, v: String) {
    let _ = write!(s, "<tr><td class=\"muted\">{k}</td><td>{v}</td></tr>");
}

fn card(s: &mut String, c: &ColumnQuality, histogram: &str) {
    let class = if c.flags.is_empty() {
        "card"
    } else {
        "card flagged"
    };
    let role = match (c.role, c.rank) {
        (Role::Target, _) => "target".to_string(),
        (Role::Feature, Some(r)) => format!("rank {r}"),
        (Role::Feature, None) => "feature".to_string(),
    };
    let _ = write!(
        s,
        "<div class=\"{class}\" id=\"col-{}\"><h3>{} <span class=\"role\">{role}</span></h3><div>",
        escape(&c.name.replace(' ', "_")),
        escape(&c.name)
    );
    for f in &c.flags {
        let _ = write!(
            s,
            "<span class=\"badge\" title=\"{}\">{}</span>",
            escape(&f.note),
            escape(&f.flag)
        );
    }
    s.push_str("</div><table>");
    row(
        s,
        "missing",
        format!("{:.2}% ({})", 100.0 * c.missing_share, c.missing),
    );
    let distinct = match c.distinct_rel_std_error {
        Some(e) => format!("~{} (HLL, &plusmn;{:.1}%)", c.distinct, 100.0 * e),
        None => c.distinct.to_string(),
    };
    row(
        s,
        "distinct",
        format!("{distinct} &middot; {:.1} rows/value", c.rows_per_value),
    );
    row(
        s,
        "entropy",
        format!(
            "{:.3} nats &middot; top {:.1}%",
            c.entropy,
            100.0 * c.top_share
        ),
    );
    row(
        s,
        "seen once",
        format!(
            "{} &middot; {:.1} bytes/value",
            c.singletons, c.bytes_per_value
        ),
    );
    if let Some(n) = &c.numeric {
        let median = n
            .quantiles
            .iter()
            .find(|q| q.q == 0.5)
            .map_or(String::new(), |q| {
                format!(" &middot; median {}", short(q.value))
            });
        row(
            s,
            "numeric",
            format!(
                "{} to {} &middot; mean {}{median}",
                short(n.min),
                short(n.max),
                short(n.mean)
            ),
        );
    }
    if let (Some(a), Some(l)) = (c.adjusted, c.leak_share) {
        row(
            s,
            "MI - EMI",
            format!("{} nats ({:.1}% of H(Y))", short(a), 100.0 * l),
        );
    }
    if let Some(d) = &c.drift {
        row(
            s,
            "drift",
            format!(
                "PSI {} &middot; z {}",
                short(d.psi),
                d.z.map_or("-".into(), |z| format!("{z:.1}"))
            ),
        );
    }
    s.push_str("</table>");
    s.push_str(histogram);
    s.push_str("</div>");
}

fn columns(s: &mut String, r: &QualityReport, histograms: &[String]) {
    s.push_str("<section id=\"columns\"><h2>Columns</h2><div class=\"grid\">");
    for (i, c) in r.columns.iter().enumerate() {
        card(s, c, histograms.get(i).map_or("", String::as_str));
    }
    s.push_str("</div></section>");
}

fn unusual_rows(s: &mut String, r: &QualityReport) {
    if r.unusual_rows.is_empty() {
        return;
    }
    s.push_str(
        "<section id=\"rows\"><h2>Most unusual rows</h2><p class=\"muted\">Score: the sum over \
         columns of ln(N / count of the row's value); the rarest values shown.</p><table><thead><tr>\
         <th class=\"num\">row</th><th class=\"num\">score</th><th>rarest values (rows with the value)</th>\
         </tr></thead><tbody>",
    );
    for u in &r.unusual_rows {
        let vals: Vec<String> = u
            .values
            .iter()
            .take(4)
            .map(|v| {
                format!(
                    "<code>{}</code> = {} ({})",
                    escape(&v.column),
                    escape(&crate::svg::truncate(&v.value, 40)),
                    v.count
                )
            })
            .collect();
        let _ = write!(
            s,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{:.2}</td><td>{}</td></tr>",
            u.row,
            u.score,
            vals.join(" &middot; ")
        );
    }
    s.push_str("</tbody></table></section>");
}

fn notes(s: &mut String, r: &QualityReport) {
    let t = &r.thresholds;
    s.push_str("<section id=\"notes\"><h2>Thresholds and notes</h2><ul>");
    let rules = [
        format!("constant: one value (missing counts as a value); near_constant: top value share &ge; {}", t.near_constant),
        format!("mostly_missing: missing share &ge; {}", t.mostly_missing),
        format!("id_like: fewer than {} non-missing rows per distinct value", t.id_like_rows_per_value),
        "duplicate: the same partition of the rows as an earlier column (or the target); constant and all-unique columns aside".to_string(),
        format!("label_leak: (MI - EMI) / H(target) &ge; {} and not id_like", t.label_leak),
        format!("drift: PSI (first vs last part) &ge; {} and z &ge; {}", t.drift_psi, t.drift_z),
        format!("rare_values: values seen &le; {} times cover &ge; {} of the rows", t.rare_count, t.rare_share),
    ];
    for rule in rules {
        let _ = write!(s, "<li>{rule}</li>");
    }
    if let Some(p) = &r.drift_parts {
        let _ = write!(
            s,
            "<li>drift compares the first {} rows with the last {} rows</li>",
            p.first_rows, p.last_rows
        );
    }
    for n in &r.notes {
        let _ = write!(s, "<li>{}</li>", escape(n));
    }
    s.push_str("</ul></section>");
}
