//! The web chat's public side: `/widget.js`, the chat page inside its iframe, the "Try it as a
//! customer" page, and the visitor API under `/api/webchat/` (no session: a widget key starts a
//! visitor, whose token then scopes every call to that visitor's own chats).

use actix_web::HttpRequest;

use crate::service::Ctx;

/// The desk's address as websites reach it: `PUBLIC_BASE_URL`, else the scheme and host this
/// request came to (what a manager's browser used, so the snippet works from where they stand).
pub fn public_base(ctx: &Ctx, req: &HttpRequest) -> String {
    match &ctx.config.public_base_url {
        Some(base) => base.clone(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

pub mod api;
pub mod assets;
pub mod stream;

use actix_web::web;

/// Registers `/widget.js`, `/webchat/frame`, `/webchat/try` and the visitor API.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(super::get("/widget.js", assets::loader))
        .service(super::get("/webchat/frame", assets::frame))
        .service(super::get("/webchat/try", assets::try_it))
        .service(
            web::scope("/api/webchat")
                .wrap(super::no_store())
                .service(super::post("/Start", api::start))
                .service(super::post("/Message", api::message))
                .service(
                    super::post("/File", api::file)
                        .wrap(actix_web::middleware::from_fn(super::gates::upload_gate)),
                )
                .service(super::post("/LeaveMessage", api::leave_message))
                .service(super::post("/Typing", api::typing))
                .service(super::post("/Read", api::read))
                .service(super::post("/End", api::end))
                .service(super::post("/Rate", api::rate))
                .service(super::get("/Messages", api::messages))
                .service(super::get("/Attachment", api::attachment))
                .service(super::get("/Events", stream::events))
                .service(super::post("/Transcript", api::transcript))
                .default_service(web::to(super::unknown_endpoint)),
        );
}
