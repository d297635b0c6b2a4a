//! Pages whose content is drawn once and kept for everyone with the same view (a dashboard, the
//! tasks behind one of its cells). The layout around it names the user and carries their CSRF
//! token, so it is drawn per request around a mark in the page, and the kept content is sent as
//! it is: compressed as kept to a browser that takes gzip, else plain, without a copy per request.

use std::convert::Infallible;

use askama::Template;
use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::AppResult;
use super::gzip::{self, Compressed};
use super::layout::Layout;

/// Where the kept content goes in the page drawn around it.
const CONTENT_SLOT: &str = "<!-- kept content -->";

/// The layout around kept content.
#[derive(Template)]
#[template(path = "kept.html")]
struct Around<'a> {
    layout: Layout,
    title: &'a str,
    slot: &'a str,
}

/// Content as sent: plain, and compressed beside it.
pub struct KeptContent {
    plain: Bytes,
    compressed: Compressed,
}

impl KeptContent {
    pub fn new(html: String) -> KeptContent {
        KeptContent {
            compressed: Compressed::new(html.as_bytes()),
            plain: Bytes::from(html),
        }
    }

    /// What it costs in memory.
    pub fn bytes(&self) -> usize {
        self.plain.len() + self.compressed.bytes()
    }
}

/// The page titled `title` with `content` in it, for this request's user.
pub fn send(
    layout: Layout,
    title: &str,
    content: &KeptContent,
    headers: &HeaderMap,
) -> AppResult<Response> {
    let page = Around {
        layout,
        title,
        slot: CONTENT_SLOT,
    }
    .render()
    .map_err(anyhow::Error::from)?;
    let (head, tail) = page
        .split_once(CONTENT_SLOT)
        .ok_or_else(|| anyhow::anyhow!("a kept page lost its content slot"))?;
    let html = (CONTENT_TYPE, "text/html; charset=utf-8");
    // Caches between here and the browser must keep the two encodings apart.
    let vary = (VARY, "accept-encoding");
    if gzip::accepted(headers) {
        let body = gzip::page(head.as_bytes(), &content.compressed, tail.as_bytes());
        return Ok(([html, vary, (CONTENT_ENCODING, "gzip")], body).into_response());
    }
    let length = head.len() + content.plain.len() + tail.len();
    let parts = [
        Bytes::copy_from_slice(head.as_bytes()),
        content.plain.clone(),
        Bytes::copy_from_slice(tail.as_bytes()),
    ];
    let body = Body::from_stream(futures_util::stream::iter(parts.map(Ok::<_, Infallible>)));
    Ok(([html, vary, (CONTENT_LENGTH, &length.to_string())], body).into_response())
}

/// When kept content was read, as it says: "hh:mm:ss" in Vietnam time.
pub fn read_at(now: DateTime<Utc>) -> String {
    now.with_timezone(&crate::clock::vietnam())
        .format("%H:%M:%S")
        .to_string()
}
