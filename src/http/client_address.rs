//! `ClientAddress`: who is really calling. The peer address, unless the peer is one of the
//! `TRUSTED_PROXIES`, whose `X-Forwarded-For` hop then names the client; a header a client sets
//! itself is never believed.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};

use crate::domain::addresses::client_address;
use crate::error::ApiError;
use crate::service::Ctx;

/// The client's address, as AgentLogon's limits count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// Reads the request's peer and, behind a trusted proxy, its `X-Forwarded-For`.
    pub fn of(req: &HttpRequest) -> Self {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let trusted = req
            .app_data::<web::Data<Ctx>>()
            .map(|ctx| ctx.config.trusted_proxies.as_slice())
            .unwrap_or_default();
        let forwarded = req
            .headers()
            .get("X-Forwarded-For")
            .and_then(|v| v.to_str().ok());
        Self(client_address(peer, forwarded, trusted))
    }
}

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::of(req)))
    }
}
