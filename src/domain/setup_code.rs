//! The one-time setup code of a desk without a manager: twelve characters a person reads from a
//! log and types into a form, so no `0/O` or `1/I/L` to confuse, shown in groups of four.

use rand::rngs::OsRng;
use rand::Rng;
use sha2::{Digest, Sha256};

/// 31 characters: digits and capitals without 0, 1, I, L and O. Twelve of them are ~59 bits, and
/// each wrong guess counts as a failed logon for the address (the logon throttle).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH: usize = 12;

/// A fresh code, written `ABCD-EFGH-JKMN`.
pub fn generate() -> String {
    let mut rng = OsRng;
    let chars: Vec<char> = (0..LENGTH)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as compared: capitals, without the dashes and spaces people type or leave out.
fn canonical(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Whether `typed` is `expected`, in time that does not depend on where they first differ.
pub fn matches(expected: &str, typed: &str) -> bool {
    let a = Sha256::digest(canonical(expected).as_bytes());
    let b = Sha256::digest(canonical(typed).as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_typed_loosely() {
        let code = generate();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(matches(&code, &code.to_lowercase().replace('-', " ")));
        assert!(matches(&code, &code.replace('-', "")));
        assert!(!matches(&code, &generate()));
        assert!(!matches(&code, ""));
    }
}
