//! Customer and tagging endpoints: AddComment, FindCustomer, UpdateCustomer, AddTag, RemoveTag.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::input::Input;
use super::params::{field, id, ids, Bool, Fields, Int, List};
use super::respond::{json, run};
use super::schemas;
use super::session_auth::Caller;
use crate::domain::{optional_text, required_text, EmailAddress, PhoneNumber};
use crate::error::ApiResult;
use crate::service::chats::ChatView;
use crate::service::customers::{self, CustomerPatch, CustomerView, TagTarget};
use crate::service::Ctx;

const COMMENT_MAX: usize = 4000;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AddCommentRequest {
    #[serde(rename = "CustomerID")]
    #[schema(schema_with = schemas::id)]
    pub customer_id: Int,
    #[schema(schema_with = schemas::text::<COMMENT_MAX>)]
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CommentAdded {
    pub success: bool,
    #[serde(rename = "MessageID")]
    pub message_id: i64,
}

/// A private note on the customer's active chat; never sent to the customer.
#[utoipa::path(post, path = "/api/AddComment", tag = "Customers", request_body = AddCommentRequest,
    responses((status = 200, body = CommentAdded), (status = 404, description = "CustomerNotFound"),
              (status = 409, description = "NoActiveChat")))]
pub async fn add_comment(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<AddCommentRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let customer_id = f.check("CustomerID", id(req.customer_id));
    let comment = f.check("Comment", required_text(&req.comment, COMMENT_MAX));
    let (customer_id, comment) = f.build(|| Some((customer_id?, comment?)))?;
    let message_id = run(&ctx, move |ctx| {
        customers::add_comment(ctx, &caller, customer_id, &comment)
    })
    .await?;
    Ok(json(CommentAdded {
        success: true,
        message_id,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "PascalCase")]
pub struct FindCustomerRequest {
    /// International format; the leading + may be left out.
    #[param(value_type = schemas::param::Phone, inline)]
    pub mobile_number: String,
    /// Also list each customer's chats.
    #[param(value_type = Option<bool>)]
    pub include_chats: Option<Bool>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerList {
    pub customers: Vec<CustomerView>,
}

/// Finds customers by mobile number, optionally with their chats.
#[utoipa::path(get, path = "/api/FindCustomer", tag = "Customers",
    params(FindCustomerRequest), responses((status = 200, body = CustomerList)))]
pub async fn find_customer(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<FindCustomerRequest>,
) -> ApiResult<HttpResponse> {
    let mobile = field(
        "MobileNumber",
        PhoneNumber::parse_digits_adding_plus(&req.mobile_number),
    )?;
    let include = req.include_chats.is_some_and(|b| b.0);
    let customers = run(&ctx, move |ctx| {
        customers::find_customer(ctx, &caller, &mobile, include)
    })
    .await?;
    Ok(json(CustomerList { customers }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateCustomerRequest {
    #[serde(rename = "CustomerID")]
    #[schema(schema_with = schemas::id)]
    pub customer_id: Int,
    #[schema(schema_with = schemas::text::<FULL_NAME_MAX>)]
    pub full_name: Option<String>,
    /// Blank keeps the address on file.
    #[schema(schema_with = schemas::blank_or_email)]
    pub email_address: Option<String>,
    /// Added as a private note on the active chat.
    #[schema(schema_with = schemas::optional_text::<COMMENT_MAX>)]
    pub comment: Option<String>,
    /// Tags for the customer's active chat.
    #[serde(rename = "TagID")]
    #[schema(schema_with = schemas::ids)]
    pub tag_id: Option<List<Int>>,
}

/// The longest customer name.
const FULL_NAME_MAX: usize = 100;

/// Changes a customer's name or address; a comment and tags go on the active chat.
#[utoipa::path(post, path = "/api/UpdateCustomer", tag = "Customers", request_body = UpdateCustomerRequest,
    responses((status = 200, body = CustomerView), (status = 404, description = "CustomerNotFound or TagNotFound"),
              (status = 409, description = "NoActiveChat or TagDisabled")))]
pub async fn update_customer(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<UpdateCustomerRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let customer_id = f.check("CustomerID", id(req.customer_id));
    let full_name = f.check_opt("FullName", req.full_name, |n| {
        required_text(&n, FULL_NAME_MAX)
    });
    // An empty address counts as not sent: the customer keeps the one on file.
    let email = f.check_opt(
        "EmailAddress",
        req.email_address.filter(|e| !e.trim().is_empty()),
        |e| EmailAddress::parse(&e),
    );
    let comment = f.check_opt("Comment", req.comment, |c| optional_text(&c, COMMENT_MAX));
    let tag_ids = f.check("TagID", ids(req.tag_id.unwrap_or(List(Vec::new()))));
    let (customer_id, patch) = f.build(|| {
        Some((
            customer_id?,
            CustomerPatch {
                full_name: full_name?,
                email: email?,
                comment: comment?.flatten(),
                tag_ids: tag_ids?,
            },
        ))
    })?;
    Ok(json(
        run(&ctx, move |ctx| {
            customers::update_customer(ctx, &caller, customer_id, patch)
        })
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct AddTagRequest {
    /// The chat to tag; wins over CustomerID.
    #[serde(rename = "ChatID")]
    #[schema(schema_with = schemas::id)]
    pub chat_id: Option<Int>,
    /// Tags the customer's active chat. Also accepted as `CustomrID`, the AgentChat document's
    /// spelling.
    #[serde(rename = "CustomerID", alias = "CustomrID")]
    #[schema(schema_with = schemas::id)]
    pub customer_id: Option<Int>,
    #[serde(rename = "TagID")]
    #[schema(schema_with = schemas::id)]
    pub tag_id: Int,
}

schemas::body_schema! {
    /// AddTag's body: the tag and a chat, given directly or as the customer's active chat.
    AddTagBody = AddTagRequest [
        schemas::any_of_fields([("ChatID", schemas::id()), ("CustomerID", schemas::id())]),
    ]
}

/// Tags a chat, given directly or as the customer's active chat.
#[utoipa::path(post, path = "/api/AddTag", tag = "Customers", request_body = AddTagBody,
    responses((status = 200, body = ChatView), (status = 404, description = "ChatNotFound, CustomerNotFound or TagNotFound"),
              (status = 409, description = "TagDisabled or NoActiveChat")))]
pub async fn add_tag(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<AddTagRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let tag_id = f.check("TagID", id(req.tag_id));
    // Both are checked when both are sent, though ChatID wins: a bad value is never ignored.
    let chat = f.check_opt("ChatID", req.chat_id, id);
    let customer = f.check_opt("CustomerID", req.customer_id, id);
    let target = match (chat, customer) {
        (Some(Some(chat)), Some(_)) => Some(TagTarget::Chat(chat)),
        (Some(None), Some(Some(customer))) => Some(TagTarget::Customer(customer)),
        (Some(None), Some(None)) => f.check(
            "ChatID",
            Err("ChatID or CustomerID is required".to_string()),
        ),
        _ => None,
    };
    let (tag_id, target) = f.build(|| Some((tag_id?, target?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            customers::add_tag(ctx, &caller, target, tag_id)
        })
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveTagRequest {
    #[serde(rename = "ChatID")]
    #[schema(schema_with = schemas::id)]
    pub chat_id: Int,
    #[serde(rename = "TagID")]
    #[schema(schema_with = schemas::id)]
    pub tag_id: Int,
}

/// Removes a tag from a chat.
#[utoipa::path(post, path = "/api/RemoveTag", tag = "Customers", request_body = RemoveTagRequest,
    responses((status = 200, body = ChatView), (status = 404, description = "ChatNotFound or TagNotFound")))]
pub async fn remove_tag(
    ctx: web::Data<Ctx>,
    caller: Caller,
    Input(req): Input<RemoveTagRequest>,
) -> ApiResult<HttpResponse> {
    let mut f = Fields::default();
    let chat_id = f.check("ChatID", id(req.chat_id));
    let tag_id = f.check("TagID", id(req.tag_id));
    let (chat_id, tag_id) = f.build(|| Some((chat_id?, tag_id?)))?;
    Ok(json(
        run(&ctx, move |ctx| {
            customers::remove_tag(ctx, &caller, chat_id, tag_id)
        })
        .await?,
    ))
}
