//! HTTP Basic authentication as 4.3's servers check it ([RPC-AUTH-basic]).

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// A server section's `username` and `password`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Compared exactly.
    pub username: String,
    /// Plain text, or `{SHA}` + lowercase hex SHA-1 of the password.
    pub password: String,
}

/// The outcome of checking a request's `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthCheck {
    /// Let it through.
    Allowed,
    /// Missing or wrong credentials, or another scheme: 401.
    Unauthorized,
    /// Basic credentials that are not valid base64: 400.
    Malformed,
}

impl Credentials {
    /// Checks an `Authorization` header value (`None` when absent).
    pub fn check(&self, header: Option<&[u8]>) -> AuthCheck {
        let Some(value) = header else {
            return AuthCheck::Unauthorized;
        };
        let Some(encoded) = strip_scheme(value) else {
            return AuthCheck::Unauthorized;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim_ascii())
        else {
            return AuthCheck::Malformed;
        };
        let Some(colon) = decoded.iter().position(|&b| b == b':') else {
            return AuthCheck::Unauthorized;
        };
        let (user, pass) = (&decoded[..colon], &decoded[colon + 1..]);
        if user == self.username.as_bytes() && self.password_matches(pass) {
            AuthCheck::Allowed
        } else {
            AuthCheck::Unauthorized
        }
    }

    fn password_matches(&self, supplied: &[u8]) -> bool {
        match self.password.strip_prefix("{SHA}") {
            Some(hex) => sha1_hex(supplied) == hex,
            None => supplied == self.password.as_bytes(),
        }
    }
}

fn strip_scheme(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = value.split_at(value.iter().position(|&b| b == b' ')?);
    scheme.eq_ignore_ascii_case(b"basic").then_some(rest)
}

/// Lowercase hex SHA-1.
pub fn sha1_hex(data: &[u8]) -> String {
    Sha1::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user_pass: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
        .into_bytes()
    }

    #[test]
    fn plain_and_sha_passwords_rpc_auth_basic() {
        let plain = Credentials {
            username: "user".into(),
            password: "123".into(),
        };
        assert_eq!(plain.check(Some(&basic("user:123"))), AuthCheck::Allowed);
        assert_eq!(
            plain.check(Some(&basic("user:1234"))),
            AuthCheck::Unauthorized
        );
        assert_eq!(
            plain.check(Some(&basic("User:123"))),
            AuthCheck::Unauthorized
        );
        assert_eq!(plain.check(None), AuthCheck::Unauthorized);
        assert_eq!(plain.check(Some(b"Bearer abc")), AuthCheck::Unauthorized);
        assert_eq!(plain.check(Some(b"Basic !!!")), AuthCheck::Malformed);
        let sha = Credentials {
            username: "user".into(),
            password: "{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d".into(),
        };
        assert_eq!(
            sha.check(Some(&basic("user:thepassword"))),
            AuthCheck::Allowed
        );
        assert_eq!(
            sha.check(Some(&basic(
                "user:{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d"
            ))),
            AuthCheck::Unauthorized
        );
    }
}
