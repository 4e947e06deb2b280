//! Who may talk to the signer: a loopback listener by default; any other address only with
//! `--allow-remote`, and then only with a token (`Authorization: Bearer …`). A token given on
//! loopback is enforced too.

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::routes::{refuse, App};

/// The bind decision: Ok, or what to do instead.
pub fn check_bind(addr: &SocketAddr, allow_remote: bool, has_token: bool) -> Result<(), String> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    if !allow_remote {
        return Err(format!(
            "--listen {addr} is not a loopback address: the signer holds agent keys, so it listens on loopback only unless you pass --allow-remote (and a token)"
        ));
    }
    if !has_token {
        return Err(format!(
            "--listen {addr} with --allow-remote needs a token: pass --token-file FILE or set VES_SIGNER_TOKEN, and give k6 the same value as SIGNER_TOKEN"
        ));
    }
    Ok(())
}

/// A token as a digest, so that the comparison takes the same time whatever the guess.
pub struct Token([u8; 32]);

impl Token {
    pub fn new(text: &str) -> Token {
        Token(Sha256::digest(text.trim().as_bytes()).into())
    }

    fn matches(&self, given: &str) -> bool {
        let other: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        self.0
            .iter()
            .zip(other.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// Refuses requests without the right bearer token (when a token is set); /health stays open.
pub async fn require_token(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    if let Some(token) = &app.token {
        let given = req
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if req.uri().path() != "/health" && !given.is_some_and(|g| token.matches(g)) {
            return refuse(
                &app,
                axum::http::StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this signer requires a token: send Authorization: Bearer <token> (k6: -e SIGNER_TOKEN=...)",
            );
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_a_flag_and_a_token() {
        let lo: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let lo6: SocketAddr = "[::1]:1".parse().unwrap();
        let any: SocketAddr = "0.0.0.0:1".parse().unwrap();
        assert!(check_bind(&lo, false, false).is_ok());
        assert!(check_bind(&lo6, false, false).is_ok());
        assert!(check_bind(&any, false, true)
            .unwrap_err()
            .contains("--allow-remote"));
        assert!(check_bind(&any, true, false).unwrap_err().contains("token"));
        assert!(check_bind(&any, true, true).is_ok());
    }

    #[test]
    fn token_compares_whole_values() {
        let t = Token::new("s3cret\n");
        assert!(t.matches("s3cret"));
        assert!(!t.matches("s3cre"));
        assert!(!t.matches(""));
    }
}
