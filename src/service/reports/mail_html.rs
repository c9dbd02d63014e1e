//! The report mail's HTML version: the same summary as the text part, as tables, with the chart
//! beside them (an inline image, `cid:`). Inline styles only, no external resources: mail clients
//! strip style sheets and block remote images.

use super::mail::PeriodSummary;
use crate::service::metrics::Figures;

/// What the HTML names: whom it greets, which report, and the chart's `cid`.
pub(super) struct Page<'a> {
    pub recipient: &'a str,
    pub report: &'a str,
    pub company: &'a str,
    pub time_zone: &'a str,
    pub periods: &'a [PeriodSummary],
    /// The chart's content id and caption, when there is one.
    pub chart: Option<(&'a str, &'a str)>,
    pub chart_size: (u32, u32),
}

/// Text for HTML: `&`, `<`, `>`, `"` and `'` as entities (names and the company are typed by
/// people).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn seconds(v: Option<f64>) -> String {
    v.map_or_else(|| "&ndash;".to_owned(), |s| format!("{s:.1}&nbsp;s"))
}

/// The figures of one period as rows of a two-column table.
fn figure_rows(f: &Figures) -> String {
    let percent =
        |v: Option<f64>| v.map_or_else(|| "&ndash;".to_owned(), |p| format!("{p:.1}&nbsp;%"));
    let rows: [(&str, String); 12] = [
        ("Chats started", f.chats_started.to_string()),
        ("Chats closed", f.chats_closed.to_string()),
        ("Chats missed", f.chats_missed.to_string()),
        ("Chats transferred", f.chats_transferred.to_string()),
        ("Average wait", seconds(f.average_wait_seconds)),
        (
            "Average first response",
            seconds(f.average_first_response_seconds),
        ),
        ("Average handle time", seconds(f.average_handle_seconds)),
        ("Messages in", f.messages_in.to_string()),
        ("Messages out", f.messages_out.to_string()),
        ("Customer satisfaction (CSAT)", percent(f.csat_score)),
        ("Ratings", f.csat_responses.to_string()),
        ("Rating requests answered", percent(f.csat_response_rate)),
    ];
    rows.iter()
        .map(|(name, value)| {
            format!(
                "<tr><td style=\"padding:3px 16px 3px 0;color:#555\">{name}</td>\
                 <td style=\"padding:3px 0;text-align:right;font-weight:bold\">{value}</td></tr>\n"
            )
        })
        .collect()
}

/// The whole HTML document.
pub(super) fn render(page: &Page<'_>) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{report} report</title></head>\n\
         <body style=\"margin:0;padding:24px;font-family:Helvetica,Arial,sans-serif;color:#222;\
         font-size:14px;line-height:1.4\">\n\
         <p>Hello {recipient},</p>\n<p>Here is the <b>{report}</b> report of {company}.</p>\n",
        report = escape(page.report),
        recipient = escape(page.recipient),
        company = escape(page.company),
    );
    if let Some((content_id, caption)) = page.chart {
        let (width, height) = page.chart_size;
        html.push_str(&format!(
            "<p><img src=\"cid:{}\" width=\"{width}\" height=\"{height}\" alt=\"{}\" \
             style=\"display:block;max-width:100%;height:auto\"></p>\n",
            escape(content_id),
            escape(caption),
        ));
    }
    for p in page.periods {
        html.push_str(&format!(
            "<h3 style=\"margin:20px 0 6px;font-size:15px\">{} {} to {} <span style=\"color:#777;\
             font-weight:normal\">({})</span></h3>\n<table style=\"border-collapse:collapse\">\n{}</table>\n",
            escape(p.grouping.name()),
            p.from_date,
            p.last_day,
            escape(page.time_zone),
            figure_rows(&p.figures),
        ));
    }
    html.push_str(
        "<p style=\"margin-top:20px;color:#555\">Every figure, per day, agent or department, is in \
         the attached CSV files.</p>\n</body></html>\n",
    );
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_typed_is_escaped() {
        assert_eq!(
            escape(r#"<b>"Tom & Jerry's"</b>"#),
            "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt;"
        );
        let html = render(&Page {
            recipient: "<script>x</script>",
            report: "Chat summary",
            company: "A&B",
            time_zone: "UTC",
            periods: &[],
            chart: Some(("chart@agentdesk", "Chats per day")),
            chart_size: (640, 260),
        });
        assert!(!html.contains("<script>"));
        assert!(html.contains("A&amp;B"));
        assert!(html.contains("src=\"cid:chart@agentdesk\""));
    }
}
