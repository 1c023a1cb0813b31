//! Pure: the dashboard's charts as SVG text, drawn with plotters' SVG
//! backend. No fonts are read: text is SVG `<text>` the browser lays out.
//! Every chart has a title (`aria-label`) and its figures are also in the
//! page's tables, so nothing is only in a picture.

use plotters::prelude::*;

/// Size of a chart in SVG units (it scales to its box in the page).
const WIDTH: u32 = 560;
const HEIGHT: u32 = 230;

/// The project's palette: blue, orange, green, red, purple, grey.
pub const COLOURS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0xd9, 0x7a, 0x1c),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0xb8, 0x32, 0x32),
    RGBColor(0x6a, 0x4c, 0x93),
    RGBColor(0x70, 0x70, 0x70),
];

/// One named series of values, one per label.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: Vec<f64>,
}

/// How a chart draws its series.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Bars side by side in each slot.
    Bars,
    /// Lines through the slots' middles.
    Lines,
}

/// A chart of `series` over `labels` (one slot per label; every
/// `label_every`-th label is written). `percent` writes the y axis as
/// percentages of values in 0..1.
pub fn chart(title: &str, labels: &[String], series: &[Series], kind: Kind, percent: bool) -> String {
    let mut svg = String::new();
    if let Err(e) = draw(&mut svg, title, labels, series, kind, percent) {
        // Drawing into a string fails only on a plotting bug: say so in the
        // page, never abort it.
        return format!("<p class=\"chart-error\">chart not drawn: {}</p>", escape(&e));
    }
    finish(svg, title)
}

fn draw(
    svg: &mut String,
    title: &str,
    labels: &[String],
    series: &[Series],
    kind: Kind,
    percent: bool,
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let n = labels.len().max(1);
    let top = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0f64, f64::max);
    let top = if percent { top.clamp(0.05, 1.0) * 1.1 } else { nice_top(top) };
    let mut c = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 17))
        .margin(6)
        .x_label_area_size(28)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)
        .map_err(|e| err(&e))?;
    let every = n.div_ceil(8).max(1);
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(60))
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (*x - x.floor()).abs() < 1e-9 && i < labels.len() && i.is_multiple_of(every) {
                labels[i].clone()
            } else {
                String::new()
            }
        })
        .y_labels(5)
        .y_label_formatter(&|y| if percent { format!("{:.0}%", y * 100.0) } else { short_number(*y) })
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| err(&e))?;
    let k = series.len().max(1) as f64;
    for (j, s) in series.iter().enumerate() {
        let colour = COLOURS[j % COLOURS.len()];
        let drawn = match kind {
            Kind::Bars => {
                let width = 0.8 / k;
                c.draw_series(s.values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 + 0.1 + j as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width, *v)], colour.filled())
                }))
                .map_err(|e| err(&e))?
            }
            Kind::Lines => c
                .draw_series(LineSeries::new(
                    s.values.iter().enumerate().map(|(i, v)| (i as f64 + 0.5, *v)),
                    colour.stroke_width(2),
                ))
                .map_err(|e| err(&e))?,
        };
        if series.len() > 1 {
            drawn.label(s.name).legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 10, y + 4)], colour.filled()));
        }
    }
    if series.len() > 1 {
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.2))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(|e| err(&e))?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// Horizontal bars, one per label (categories with long names).
pub fn hbars(title: &str, labels: &[String], values: &[f64]) -> String {
    let mut svg = String::new();
    let drawn = (|| -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let height = (60 + 22 * labels.len() as u32).max(120);
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let n = labels.len().max(1);
        let top = nice_top(values.iter().copied().fold(0.0, f64::max));
        let mut c = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 17))
            .margin(6)
            .x_label_area_size(24)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..top, 0f64..n as f64)
            .map_err(|e| err(&e))?;
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|y| {
                // Labels at the bars' middles, first label at the top.
                let i = (y - 0.5).round();
                if (y - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[labels.len() - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_labels(5)
            .x_label_formatter(&|x| short_number(*x))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| err(&e))?;
        c.draw_series(values.iter().enumerate().map(|(i, v)| {
            let y = (labels.len() - 1 - i) as f64;
            Rectangle::new([(0.0, y + 0.15), (*v, y + 0.85)], COLOURS[0].filled())
        }))
        .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
        Ok(())
    })();
    match drawn {
        Ok(()) => finish(svg, title),
        Err(e) => format!("<p class=\"chart-error\">chart not drawn: {}</p>", escape(&e)),
    }
}

/// The SVG made to fill its box, with its title for screen readers.
fn finish(svg: String, title: &str) -> String {
    let head = format!("<svg width=\"{WIDTH}\" height=\"");
    let Some(at) = svg.find(&head) else { return svg };
    let end = svg[at + head.len()..].find('"').map_or(at, |e| at + head.len() + e + 1);
    let head = svg[at..end].to_string();
    svg.replacen(
        &head,
        &format!(
            "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" preserveAspectRatio=\"xMidYMid meet\"",
            escape(title)
        ),
        1,
    )
}

/// A round number at or above `v` for the top of an axis.
fn nice_top(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if v <= m * p {
            return m * p;
        }
    }
    10.0 * p
}

/// 1200 as "1.2k", 3 500 000 as "3.5M".
fn short_number(v: f64) -> String {
    match v.abs() {
        a if a >= 1e6 => format!("{:.1}M", v / 1e6),
        a if a >= 1e4 => format!("{:.0}k", v / 1e3),
        a if a >= 1e3 => format!("{:.1}k", v / 1e3),
        a if a >= 10.0 || v.fract() == 0.0 => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_one_titled_svg_with_a_shape_per_value() {
        let labels: Vec<String> = (1..=4).map(|d| format!("12-0{d}")).collect();
        let s = chart(
            "Pages & <more>",
            &labels,
            &[Series { name: "pages", values: vec![1.0, 5.0, 0.0, 2.0] }],
            Kind::Bars,
            false,
        );
        assert!(s.starts_with("<svg class=\"chart\" role=\"img\" aria-label=\"Pages &amp; &lt;more&gt;\""), "{s}");
        assert_eq!(s.matches("<svg").count(), 1);
        // The first slot is labelled (plotters picks the other label places).
        assert!(s.contains("12-01"));
        // The background, the plot's, and one bar per value.
        assert!(s.matches("<rect").count() >= 4);
    }

    #[test]
    fn lines_with_a_legend_and_empty_series_draw() {
        let labels: Vec<String> = (0..30).map(|d| d.to_string()).collect();
        let s = chart(
            "Flow",
            &labels,
            &[Series { name: "in", values: vec![0.0; 30] }, Series { name: "out", values: vec![0.0; 30] }],
            Kind::Lines,
            false,
        );
        assert!(s.contains("<polyline") && s.contains(">\nin\n<") || s.contains(">in<"), "{s}");
        assert!(chart("Nothing", &[], &[], Kind::Bars, true).starts_with("<svg"));
    }

    #[test]
    fn axis_tops_and_numbers_are_round() {
        assert_eq!(nice_top(0.0), 1.0);
        assert_eq!(nice_top(7.0), 8.0);
        assert_eq!(nice_top(1234.0), 1500.0);
        assert_eq!(short_number(1200.0), "1.2k");
        assert_eq!(short_number(3_500_000.0), "3.5M");
        assert_eq!(short_number(12.0), "12");
    }
}
