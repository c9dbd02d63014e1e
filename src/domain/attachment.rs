//! Which files may be sent in a chat, and a file that passed those rules.

/// Content types accepted for attachments, with the extensions that imply them.
pub const ALLOWED: [(&str, &[&str]); 13] = [
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/png", &["png"]),
    ("image/gif", &["gif"]),
    ("image/webp", &["webp"]),
    ("application/pdf", &["pdf"]),
    ("text/plain", &["txt"]),
    ("text/csv", &["csv"]),
    ("audio/mpeg", &["mp3"]),
    ("audio/ogg", &["ogg", "oga"]),
    ("video/mp4", &["mp4"]),
    ("application/msword", &["doc"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
];

/// The allowed content type of a file: the declared one if allowed, else the one its name implies.
pub fn content_type(declared: Option<&str>, file_name: &str) -> Result<&'static str, String> {
    let declared = declared.map(|d| {
        d.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    if let Some(d) = declared
        .as_deref()
        .filter(|d| !d.is_empty() && *d != "application/octet-stream")
    {
        return ALLOWED
            .iter()
            .find(|(mime, _)| *mime == d)
            .map(|(mime, _)| *mime)
            .ok_or_else(|| format!("files of type {d} are not accepted"));
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    ALLOWED
        .iter()
        .find(|(_, exts)| exts.contains(&ext.as_str()))
        .map(|(mime, _)| *mime)
        .ok_or_else(|| format!("files named `{file_name}` are not accepted"))
}

/// The type of a file sent without a name or type, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG") {
        Some("image/png")
    } else if starts(b"GIF8") {
        Some("image/gif")
    } else if starts(b"%PDF") {
        Some("application/pdf")
    } else if bytes.len() > 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Invisible format characters (Unicode Cf) a name must not carry: the bidi controls that make
/// `invoice\u{202E}fdp.exe` show as "invoiceexe.pdf", and the zero-width ones that hide a
/// difference between two names.
pub fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// A safe file name: the last path segment, without control or format (bidi, zero-width)
/// characters or quotes, at most 200 characters.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_format_char(*c) && !matches!(c, '"' | '<' | '>'))
        .take(200)
        .collect();
    if clean.trim().is_empty() {
        "attachment".to_owned()
    } else {
        clean.trim().to_owned()
    }
}

/// The types whose first bytes say what they are: a file declared as one of them must start so.
/// (Text, office documents and media are not checked this way: their types have no one
/// signature, and the console never shows them inline.)
const SNIFFED: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
];

/// `name` with an extension of `mime` (its first), replacing one that isn't: a file stored as
/// `text/plain` is never saved as `invoice.exe`.
fn with_extension(name: &str, mime: &str) -> String {
    let exts = ALLOWED
        .iter()
        .find(|(m, _)| *m == mime)
        .map_or(&["bin"][..], |(_, exts)| exts);
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, Some(ext)),
        _ => (name, None),
    };
    match ext {
        Some(ext) if exts.contains(&ext.to_ascii_lowercase().as_str()) => name.to_owned(),
        _ => format!("{}.{}", stem.trim_end_matches('.'), exts[0]),
    }
}

/// A file sent in a chat, already checked against the type allow-list: the only way to make one is
/// [`Upload::parse`], so a service never sees a file of a type the desk refuses.
#[derive(Clone, Debug)]
pub struct Upload {
    pub file_name: String,
    pub mime_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Upload {
    /// Checks a file against the allow-list. The type comes from what was declared, else from the
    /// name, else (with neither) from the first bytes; a file without a name gets one from its type.
    pub fn parse(
        bytes: Vec<u8>,
        name: Option<&str>,
        declared_type: Option<&str>,
    ) -> Result<Self, String> {
        let name = name.map(file_name);
        let mime = match (declared_type, &name) {
            (None, None) => sniff(&bytes)
                .ok_or_else(|| "send a file name or type with this file".to_string())?,
            _ => content_type(declared_type, name.as_deref().unwrap_or(""))?,
        };
        if bytes.is_empty() {
            return Err("is empty".into());
        }
        // The declared type decided everything before: an .exe sent as image/png was stored and
        // offered as an image. Images and PDFs must be what they say.
        if SNIFFED.contains(&mime) && sniff(&bytes) != Some(mime) {
            return Err(format!(
                "`{}` is not a {mime} file: its content does not match its type",
                name.as_deref().unwrap_or("the file")
            ));
        }
        let name = name.unwrap_or_else(|| "attachment".to_owned());
        Ok(Self {
            file_name: with_extension(&name, mime),
            mime_type: mime,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list() {
        assert_eq!(content_type(Some("image/jpeg"), "x").unwrap(), "image/jpeg");
        assert_eq!(content_type(None, "scan.PDF").unwrap(), "application/pdf");
        assert_eq!(
            content_type(Some("application/octet-stream"), "a.png").unwrap(),
            "image/png"
        );
        assert!(content_type(Some("application/x-msdownload"), "a.exe").is_err());
        assert!(content_type(None, "a.exe").is_err());
        assert_eq!(file_name("../../etc/passwd"), "passwd");
        assert_eq!(file_name("C:\\x\\\"a\".jpg"), "a.jpg");
        assert_eq!(file_name(""), "attachment");
    }

    #[test]
    fn uploads_take_their_type_from_the_declaration_the_name_or_the_bytes() {
        let png = b"\x89PNG\r\n".to_vec();
        let u = Upload::parse(png.clone(), None, None).unwrap();
        assert_eq!(
            (u.file_name.as_str(), u.mime_type),
            ("attachment.png", "image/png")
        );
        let pdf = b"%PDF-1.7\n".to_vec();
        let u = Upload::parse(pdf, Some("../scan.pdf"), None).unwrap();
        assert_eq!(
            (u.file_name.as_str(), u.mime_type),
            ("scan.pdf", "application/pdf")
        );
        assert!(Upload::parse(b"MZ".to_vec(), None, None).is_err());
        assert!(Upload::parse(png, Some("a.exe"), None).is_err());
        assert_eq!(
            Upload::parse(Vec::new(), Some("a.txt"), None).unwrap_err(),
            "is empty"
        );
    }

    #[test]
    fn a_file_that_lies_about_its_type_is_refused_by_name() {
        let exe = b"MZ\x90\x00".to_vec();
        let e = Upload::parse(exe.clone(), Some("invoice.exe"), Some("image/png")).unwrap_err();
        assert!(e.contains("invoice.exe"), "{e}");
        assert!(Upload::parse(exe.clone(), Some("scan.pdf"), None).is_err());
        assert!(Upload::parse(b"\x89PNG\r\n".to_vec(), Some("a.jpg"), None).is_err());
        // Not sniffed: a text file is taken, under a name that says what it is.
        let u = Upload::parse(exe, Some("invoice.exe"), Some("text/plain")).unwrap();
        assert_eq!(
            (u.file_name.as_str(), u.mime_type),
            ("invoice.txt", "text/plain")
        );
    }

    #[test]
    fn names_lose_bidi_and_zero_width_characters_and_get_their_types_extension() {
        let pdf = b"%PDF-1.4".to_vec();
        let u = Upload::parse(
            pdf.clone(),
            Some("invoice\u{202E}fdp.exe"),
            Some("application/pdf"),
        )
        .unwrap();
        assert_eq!(u.file_name, "invoicefdp.pdf");
        assert_eq!(file_name("a\u{200B}b\u{2066}c\u{FEFF}.txt"), "abc.txt");
        let u = Upload::parse(pdf.clone(), Some("report"), Some("application/pdf")).unwrap();
        assert_eq!(u.file_name, "report.pdf");
        let u = Upload::parse(pdf, Some("Scan.PDF"), None).unwrap();
        assert_eq!(u.file_name, "Scan.PDF");
        assert_eq!(with_extension(".hidden", "text/plain"), ".hidden.txt");
    }
}
