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

/// A safe file name: the last path segment, without control characters or quotes, at most 200 characters.
pub fn file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>'))
        .take(200)
        .collect();
    if clean.trim().is_empty() {
        "attachment".to_owned()
    } else {
        clean.trim().to_owned()
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
        let ext = ALLOWED
            .iter()
            .find(|(m, _)| *m == mime)
            .map_or("bin", |(_, exts)| exts[0]);
        Ok(Self {
            file_name: name.unwrap_or_else(|| format!("attachment.{ext}")),
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
        let u = Upload::parse(png.clone(), Some("../scan.pdf"), None).unwrap();
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
}
