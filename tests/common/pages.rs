//! Signing in to the web pages the way a browser does, without one: a client that keeps
//! cookies and does not follow redirects, and the CSRF token a page's forms carry.

use super::TestApp;
use onevisit_service::seed::DEMO_PASSWORD;

/// A client that keeps cookies and does not follow redirects, like a careful browser.
pub fn browser_like() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The CSRF token of the page's first form.
pub fn csrf_of(html: &str) -> String {
    let start =
        html.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().expect("a value").to_owned()
}

pub async fn sign_in(app: &TestApp, client: &reqwest::Client, username: &str) -> reqwest::Response {
    let form = client
        .get(app.url("/ui/login"))
        .send()
        .await
        .expect("the form")
        .text()
        .await
        .expect("html");
    client
        .post(app.url("/ui/login"))
        .form(&[
            ("username", username),
            ("password", DEMO_PASSWORD),
            ("csrf", &csrf_of(&form)),
        ])
        .send()
        .await
        .expect("sign in")
}
