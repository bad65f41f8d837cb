//! A small SVG writer for log-log line plots: a grid of panels sharing
//! their axes (decade ticks with labels, minor ticks at 2–9 × each decade),
//! one polyline with markers per series, and one legend for the figure
//! (one entry per distinct series label).

use std::fmt::Write as _;

/// How a series' line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
}

/// The mark drawn at each point of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    None,
    Circle,
    Square,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Style {
    /// An SVG colour (`#1f77b4`).
    pub color: String,
    pub dash: Dash,
    pub marker: Marker,
}

/// One line: `(x, y)` points (non-positive coordinates are skipped: the
/// axes are logarithmic).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub label: String,
    pub style: Style,
    pub points: Vec<(f64, f64)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub title: String,
    pub series: Vec<Series>,
}

/// A figure: panels laid out `columns` per row, all on the same axes.
#[derive(Clone, Debug)]
pub struct Figure {
    pub title: String,
    /// A second, smaller title line (may be empty).
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    pub columns: usize,
    pub panels: Vec<Panel>,
    /// The label of a major tick on the x axis.
    pub x_tick: fn(f64) -> String,
    /// The label of a major tick on the y axis.
    pub y_tick: fn(f64) -> String,
}

const PANEL_W: f64 = 300.0;
const PANEL_H: f64 = 240.0;
/// Inside a panel: room for the y tick labels, the title, the x tick labels.
const PAD_LEFT: f64 = 66.0;
const PAD_RIGHT: f64 = 12.0;
const PAD_TOP: f64 = 26.0;
const PAD_BOTTOM: f64 = 40.0;
const HEADER_H: f64 = 56.0;
const MARGIN: f64 = 10.0;
const LEGEND_ENTRY_W: f64 = 230.0;
const LEGEND_ROW_H: f64 = 20.0;

/// The decade-aligned range `[10^a, 10^b]` holding every positive value
/// (a single decade at least), or `None` without a positive value.
pub fn log_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold(None, |acc: Option<(f64, f64)>, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })?;
    // A small tolerance so that 1000.0000001 does not open a new decade.
    let a = (lo.log10() + 1e-9).floor();
    let mut b = (hi.log10() - 1e-9).ceil();
    if b <= a {
        b = a + 1.0;
    }
    Some((10f64.powf(a), 10f64.powf(b)))
}

/// Ticks of a decade-aligned range: `(value, major)` for every decade
/// (major) and 2–9 × each decade inside the range (minor).
pub fn log_ticks(lo: f64, hi: f64) -> Vec<(f64, bool)> {
    let mut ticks = Vec::new();
    if !(lo > 0.0 && hi > lo) {
        return ticks;
    }
    let a = lo.log10().round() as i32;
    let b = hi.log10().round() as i32;
    for e in a..=b {
        let decade = 10f64.powi(e);
        ticks.push((decade, true));
        if e < b {
            ticks.extend((2..10).map(|m| (f64::from(m) * decade, false)));
        }
    }
    ticks
}

/// `1000` as "1k", `100000` as "100k", `1e6` as "1M".
pub fn count_tick(v: f64) -> String {
    match v {
        v if v >= 1e6 => format!("{}M", trim(v / 1e6)),
        v if v >= 1e3 => format!("{}k", trim(v / 1e3)),
        v => trim(v),
    }
}

/// Seconds as "10 ms", "1 s", "100 s".
pub fn seconds_tick(v: f64) -> String {
    if v < 1.0 {
        format!("{} ms", trim(v * 1e3))
    } else {
        format!("{} s", trim(v))
    }
}

/// A number without a trailing ".0" (ticks are round numbers).
fn trim(v: f64) -> String {
    let s = format!("{:.3}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Text for SVG character data and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A logarithmic axis mapping `[lo, hi]` onto `[from, to]` pixels.
#[derive(Clone, Copy, Debug)]
struct Axis {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Axis {
    fn map(&self, v: f64) -> f64 {
        let t = (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10());
        self.from + t * (self.to - self.from)
    }
}

fn dasharray(d: Dash) -> &'static str {
    match d {
        Dash::Solid => "",
        Dash::Dashed => r#" stroke-dasharray="7 4""#,
        Dash::Dotted => r#" stroke-dasharray="2 3""#,
    }
}

fn marker(out: &mut String, m: Marker, x: f64, y: f64, color: &str) {
    match m {
        Marker::None => {}
        Marker::Circle => {
            let _ = writeln!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{color}"/>"#
            );
        }
        Marker::Square => {
            let _ = writeln!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="white" stroke="{color}" stroke-width="1.5"/>"#,
                x - 3.5,
                y - 3.5
            );
        }
    }
}

/// The legend: one entry per distinct label, in order of appearance.
fn legend_entries(fig: &Figure) -> Vec<&Series> {
    let mut seen: Vec<&Series> = Vec::new();
    for s in fig.panels.iter().flat_map(|p| &p.series) {
        if !seen.iter().any(|e| e.label == s.label) {
            seen.push(s);
        }
    }
    seen
}

/// The figure as a standalone SVG document.
pub fn render(fig: &Figure) -> String {
    let points = || {
        fig.panels
            .iter()
            .flat_map(|p| &p.series)
            .flat_map(|s| &s.points)
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
    };
    let (x_lo, x_hi) = log_range(points().map(|p| p.0)).unwrap_or((1.0, 10.0));
    let (y_lo, y_hi) = log_range(points().map(|p| p.1)).unwrap_or((1.0, 10.0));
    let columns = fig.columns.clamp(1, fig.panels.len().max(1));
    let rows = fig.panels.len().div_ceil(columns).max(1);
    let width = MARGIN * 2.0 + PANEL_W * columns as f64;
    let legend = legend_entries(fig);
    let per_row = ((width - 2.0 * MARGIN) / LEGEND_ENTRY_W).floor().max(1.0) as usize;
    let legend_rows = legend.len().div_ceil(per_row);
    let legend_top = HEADER_H + PANEL_H * rows as f64 + 8.0;
    let height = legend_top + LEGEND_ROW_H * legend_rows as f64 + MARGIN;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="Helvetica, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        out,
        r#"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="white"/>"#
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        width / 2.0,
        escape(&fig.title)
    );
    if !fig.subtitle.is_empty() {
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="40" text-anchor="middle" font-size="11" fill="#444">{}</text>"##,
            width / 2.0,
            escape(&fig.subtitle)
        );
    }

    for (i, panel) in fig.panels.iter().enumerate() {
        let left = MARGIN + PANEL_W * (i % columns) as f64;
        let top = HEADER_H + PANEL_H * (i / columns) as f64;
        let x = Axis {
            lo: x_lo,
            hi: x_hi,
            from: left + PAD_LEFT,
            to: left + PANEL_W - PAD_RIGHT,
        };
        let y = Axis {
            lo: y_lo,
            hi: y_hi,
            from: top + PANEL_H - PAD_BOTTOM,
            to: top + PAD_TOP,
        };
        panel_svg(&mut out, fig, panel, x, y);
    }

    for (i, s) in legend.iter().enumerate() {
        let lx = MARGIN + LEGEND_ENTRY_W * (i % per_row) as f64;
        let ly = legend_top + LEGEND_ROW_H * (i / per_row) as f64 + LEGEND_ROW_H / 2.0;
        let _ = writeln!(
            out,
            r#"<line x1="{:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{}" stroke-width="2"{}/>"#,
            lx + 4.0,
            lx + 32.0,
            s.style.color,
            dasharray(s.style.dash)
        );
        marker(&mut out, s.style.marker, lx + 18.0, ly, &s.style.color);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 38.0,
            ly + 4.0,
            escape(&s.label)
        );
    }
    out.push_str("</svg>\n");
    out
}

fn panel_svg(out: &mut String, fig: &Figure, panel: &Panel, x: Axis, y: Axis) {
    let (px0, px1, py0, py1) = (x.from, x.to, y.to, y.from);
    let _ = writeln!(out, "<g>");
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" font-weight="bold">{}</text>"#,
        (px0 + px1) / 2.0,
        py0 - 8.0,
        escape(&panel.title)
    );
    // Grid and ticks.
    for (v, major) in log_ticks(x.lo, x.hi) {
        let px = x.map(v);
        let (stroke, len) = if major {
            ("#d0d0d0", 5.0)
        } else {
            ("#f0f0f0", 3.0)
        };
        let _ = writeln!(
            out,
            r#"<line x1="{px:.1}" y1="{py0:.1}" x2="{px:.1}" y2="{py1:.1}" stroke="{stroke}"/>"#
        );
        let _ = writeln!(
            out,
            r##"<line x1="{px:.1}" y1="{py1:.1}" x2="{px:.1}" y2="{:.1}" stroke="#333"/>"##,
            py1 + len
        );
        if major {
            let _ = writeln!(
                out,
                r#"<text x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                py1 + 17.0,
                escape(&(fig.x_tick)(v))
            );
        }
    }
    for (v, major) in log_ticks(y.lo, y.hi) {
        let py = y.map(v);
        let (stroke, len) = if major {
            ("#d0d0d0", 5.0)
        } else {
            ("#f0f0f0", 3.0)
        };
        let _ = writeln!(
            out,
            r#"<line x1="{px0:.1}" y1="{py:.1}" x2="{px1:.1}" y2="{py:.1}" stroke="{stroke}"/>"#
        );
        let _ = writeln!(
            out,
            r##"<line x1="{:.1}" y1="{py:.1}" x2="{px0:.1}" y2="{py:.1}" stroke="#333"/>"##,
            px0 - len
        );
        if major {
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                px0 - 7.0,
                py + 4.0,
                escape(&(fig.y_tick)(v))
            );
        }
    }
    let _ = writeln!(
        out,
        r##"<rect x="{px0:.1}" y="{py0:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#333"/>"##,
        px1 - px0,
        py1 - py0
    );
    let _ = writeln!(
        out,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444">{}</text>"##,
        (px0 + px1) / 2.0,
        py1 + 32.0,
        escape(&fig.x_label)
    );
    let (yx, yy) = (px0 - 54.0, (py0 + py1) / 2.0);
    let _ = writeln!(
        out,
        r##"<text x="{yx:.1}" y="{yy:.1}" text-anchor="middle" fill="#444" transform="rotate(-90 {yx:.1} {yy:.1})">{}</text>"##,
        escape(&fig.y_label)
    );
    // Series.
    for s in &panel.series {
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(a, b)| *a > 0.0 && *b > 0.0)
            .map(|&(a, b)| (x.map(a), y.map(b)))
            .collect();
        if pts.len() > 1 {
            let coords: Vec<String> = pts.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
            let _ = writeln!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="1.8"{}><title>{}</title></polyline>"#,
                coords.join(" "),
                s.style.color,
                dasharray(s.style.dash),
                escape(&s.label)
            );
        }
        for &(a, b) in &pts {
            marker(out, s.style.marker, a, b, &s.style.color);
        }
    }
    let _ = writeln!(out, "</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_decade_aligned() {
        type Case<'a> = (&'a [f64], Option<(f64, f64)>);
        let cases: &[Case] = &[
            (&[1000.0, 100_000.0], Some((1e3, 1e5))),
            (&[0.034, 48.2], Some((0.01, 100.0))),
            (&[5.0], Some((1.0, 10.0))),
            (&[10.0], Some((10.0, 100.0))),
            (&[0.0, -3.0], None),
            (&[], None),
        ];
        for &(values, want) in cases {
            let got = log_range(values.iter().copied());
            match (got, want) {
                (Some((a, b)), Some((c, d))) => {
                    assert!(
                        (a / c - 1.0).abs() < 1e-9 && (b / d - 1.0).abs() < 1e-9,
                        "{values:?}: {got:?}"
                    )
                }
                _ => assert_eq!(got, want, "{values:?}"),
            }
        }
    }

    #[test]
    fn ticks_have_majors_at_decades_and_eight_minors_between() {
        let t = log_ticks(1e3, 1e5);
        let majors: Vec<f64> = t.iter().filter(|t| t.1).map(|t| t.0).collect();
        assert_eq!(majors.len(), 3);
        assert!((majors[2] - 1e5).abs() < 1e-6);
        assert_eq!(t.iter().filter(|t| !t.1).count(), 16);
        assert!(log_ticks(10.0, 10.0).is_empty());
    }

    #[test]
    fn tick_labels() {
        type Case<'a> = (fn(f64) -> String, f64, &'a str);
        let cases: &[Case] = &[
            (count_tick, 1000.0, "1k"),
            (count_tick, 100_000.0, "100k"),
            (count_tick, 1e6, "1M"),
            (count_tick, 100.0, "100"),
            (seconds_tick, 0.01, "10 ms"),
            (seconds_tick, 0.001, "1 ms"),
            (seconds_tick, 1.0, "1 s"),
            (seconds_tick, 100.0, "100 s"),
        ];
        for &(f, v, want) in cases {
            assert_eq!(f(v), want);
        }
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("a < b & \"c\" > d"),
            "a &lt; b &amp; &quot;c&quot; &gt; d"
        );
    }

    fn figure() -> Figure {
        let style = |color: &str, dash, marker| Style {
            color: color.into(),
            dash,
            marker,
        };
        let panel = |title: &str| Panel {
            title: title.into(),
            series: vec![
                Series {
                    label: "gitform apply".into(),
                    style: style("#1f77b4", Dash::Solid, Marker::Circle),
                    points: vec![(1e3, 0.2), (1e4, 2.0), (1e5, 20.0)],
                },
                Series {
                    label: "terraform apply".into(),
                    style: style("#1f77b4", Dash::Dashed, Marker::Square),
                    points: vec![(1e3, 16.0)],
                },
            ],
        };
        Figure {
            title: "time <against> N".into(),
            subtitle: String::new(),
            x_label: "resources".into(),
            y_label: "seconds".into(),
            columns: 2,
            panels: vec![panel("independent"), panel("chain"), panel("layered")],
            x_tick: count_tick,
            y_tick: seconds_tick,
        }
    }

    #[test]
    fn renders_panels_lines_markers_and_one_legend_entry_per_label() {
        let svg = render(&figure());
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        // 3 panels × 1 polyline (a single point draws only its marker).
        assert_eq!(svg.matches("<polyline").count(), 3);
        // 3 × 3 circles + 1 in the legend; 3 squares + 1 in the legend.
        assert_eq!(svg.matches("<circle").count(), 10);
        assert_eq!(svg.matches("fill=\"white\" stroke=").count(), 4);
        assert_eq!(svg.matches(">gitform apply</text>").count(), 1);
        assert_eq!(svg.matches(">terraform apply</text>").count(), 1);
        for label in ["1k", "10k", "100k", "100 ms", "1 s", "10 s", "100 s"] {
            assert!(svg.contains(&format!(">{label}</text>")), "{label}");
        }
        assert!(svg.contains("time &lt;against&gt; N"));
        assert_eq!(svg.matches("<g>").count(), svg.matches("</g>").count());
    }

    #[test]
    fn points_map_onto_the_panel() {
        let a = Axis {
            lo: 1e3,
            hi: 1e5,
            from: 0.0,
            to: 200.0,
        };
        assert!((a.map(1e3) - 0.0).abs() < 1e-9);
        assert!((a.map(1e4) - 100.0).abs() < 1e-9);
        assert!((a.map(1e5) - 200.0).abs() < 1e-9);
    }
}
