//! Session tokens and reset codes: 128 random bits from the OS, 32 lowercase hex characters on the
//! wire, and only their SHA-256 at rest, so a leaked table leaks no live credential.

use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh secret: (the value handed to the client once, the hash to store).
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    let plain = hex::encode(bytes);
    let hash = hash(&plain);
    (plain, hash)
}

/// The stored form of a token or code.
pub fn hash(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.trim().as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_32_lowercase_hex_and_hash_differs() {
        let (plain, hashed) = super::generate();
        assert_eq!(plain.len(), 32);
        assert!(plain
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(hashed.len(), 64);
        assert_eq!(super::hash(&plain), hashed);
        assert_ne!(super::generate().0, plain);
    }
}
