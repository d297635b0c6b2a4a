//! One-shot messages after a redirect ("Đã lưu."), carried in a short-lived cookie that the
//! guard clears once a page has shown it.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

pub const COOKIE: &str = "baucu_flash";

/// A 303 redirect to `to` that shows `message` on the next page.
pub fn redirect(to: &str, message: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let value: String = form_urlencoded::byte_serialize(message.as_bytes()).collect();
    let cookie = format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60");
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// How a warning is told apart from a plain confirmation in the flash cookie.
const WARNING: &str = "warn:";

/// Redirects with a warning: something was saved, but breaks a rule the user must see.
pub fn warning(to: &str, message: &str) -> Response {
    redirect(to, &format!("{WARNING}{message}"))
}

/// A flash message, and whether it is a warning.
pub fn level(message: &str) -> (bool, &str) {
    match message.strip_prefix(WARNING) {
        Some(text) => (true, text),
        None => (false, message),
    }
}

/// The message a flash cookie carries.
pub fn decode(value: &str) -> String {
    form_urlencoded::parse(format!("m={value}").as_bytes())
        .next()
        .map(|(_, message)| message.into_owned())
        .unwrap_or_default()
}

/// The `Set-Cookie` value that removes the flash once shown.
pub fn cleared() -> HeaderValue {
    HeaderValue::from_static("baucu_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_survive_the_cookie() {
        let response = super::redirect("/", "Đã lưu: 5 người; mục \"A\"");
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        let value = cookie
            .trim_start_matches("baucu_flash=")
            .split(';')
            .next()
            .unwrap();
        assert_eq!(super::decode(value), "Đã lưu: 5 người; mục \"A\"");
    }
}
