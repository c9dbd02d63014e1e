//! The report mail's chart: chats started and missed per day (or per hour, for a one-day report),
//! drawn with plotters into a pixel buffer and encoded as PNG. Text is drawn with a font compiled
//! into the binary (Inter, SIL OFL, Latin subset: `assets/fonts/`), so no fontconfig or system
//! font is needed, and every machine draws the same picture.

use std::sync::Once;

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 260;
/// plotters looks fonts up by family name; ours answers for the generic sans-serif.
const FAMILY: &str = "sans-serif";
static FONT: &[u8] = include_bytes!("../../../assets/fonts/Inter-Regular-subset.otf");

const STARTED: RGBColor = RGBColor(66, 133, 244);
const MISSED: RGBColor = RGBColor(219, 68, 55);
const INK: RGBColor = RGBColor(60, 60, 60);

/// One bucket of the chart.
pub(super) struct Bar {
    /// Under the bar: a short day or hour.
    pub label: String,
    pub started: i64,
    pub missed: i64,
}

/// One kind of bar: its legend, colour, inset from the bucket's edges and value.
type Series = (&'static str, RGBColor, u32, fn(&Bar) -> i64);

/// The chart's size in pixels, for the `<img>` that shows it.
pub(super) const SIZE: (u32, u32) = (WIDTH, HEIGHT);

/// Registers the font with plotters, once per process (at the first chart; registering costs a
/// parse of the font's tables).
fn register_font() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            tracing::error!("the chart font in assets/fonts is not a font; charts have no text");
        }
    });
}

/// The chart as a PNG file.
pub(super) fn bars_png(caption: &str, bars: &[Bar]) -> Result<Vec<u8>, String> {
    register_font();
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(&mut pixels, caption, bars).map_err(|e| format!("drawing the chart failed: {e}"))?;
    encode_png(&pixels).map_err(|e| format!("encoding the chart failed: {e}"))
}

fn draw(pixels: &mut [u8], caption: &str, bars: &[Bar]) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    // A segmented range has a segment for its end value too: n bars are 0..n-1.
    let last = (bars.len().max(2) - 1) as u32;
    let top = bars
        .iter()
        .map(|b| b.started.max(b.missed))
        .max()
        .unwrap_or(0);
    // Head room over the tallest bar for the legend, and a scale of at least 0..5 when there is
    // little to show.
    let y_max = (top + top * 2 / 5 + 1).max(5);
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, (FAMILY, 16).into_font().color(&INK))
        .margin(12)
        .x_label_area_size(26)
        .y_label_area_size(44)
        .build_cartesian_2d((0..last).into_segmented(), 0..y_max)?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) => bars
            .get(*i as usize)
            .map(|b| b.label.clone())
            .unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(230, 230, 230))
        .axis_style(RGBColor(180, 180, 180))
        .x_labels(bars.len().clamp(1, 16))
        .y_labels(5)
        .x_label_formatter(&label)
        .label_style((FAMILY, 11).into_font().color(&INK))
        .draw()?;
    // Missed chats are drawn narrower, in front of the chats started.
    let series: [Series; 2] = [
        ("chats started", STARTED, 2, |b| b.started),
        ("missed", MISSED, 5, |b| b.missed),
    ];
    for (name, color, inset, value) in series {
        chart
            .draw_series(bars.iter().enumerate().map(|(i, b)| {
                let i = i as u32;
                let mut bar = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0),
                        (SegmentValue::Exact(i + 1), value(b)),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, inset, inset);
                bar
            }))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FAMILY, 11).into_font().color(&INK))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    root.present()?;
    Ok(())
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("one frame");
        (info, buf)
    }

    #[test]
    fn draws_a_png_with_bars_and_text() {
        let bars: Vec<Bar> = (1..=7)
            .map(|d| Bar {
                label: format!("11-{d:02}"),
                started: d * 3,
                missed: d / 3,
            })
            .collect();
        let png = bars_png("Chats per day", &bars).unwrap();
        let (info, pixels) = decode(&png);
        assert_eq!((info.width, info.height), SIZE);
        let blue = pixels
            .chunks(3)
            .filter(|p| p == &[STARTED.0, STARTED.1, STARTED.2])
            .count();
        assert!(blue > 1000, "the bars are drawn ({blue} pixels)");
        // Text is grey ink, anti-aliased: many shades that neither the bars nor the grid use.
        let shades: std::collections::BTreeSet<&[u8]> = pixels
            .chunks(3)
            .filter(|p| p[0] == p[1] && p[1] == p[2] && p[0] < 200)
            .collect();
        assert!(
            shades.len() > 20,
            "text is drawn ({} grey shades)",
            shades.len()
        );
        // The same figures draw the same picture.
        assert_eq!(bars_png("Chats per day", &bars).unwrap(), png);
    }

    #[test]
    fn an_empty_period_still_draws() {
        let png = bars_png("Nothing happened", &[]).unwrap();
        assert_eq!(decode(&png).0.width, WIDTH);
    }
}
