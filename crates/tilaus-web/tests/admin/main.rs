//! The admin UI: HTTP-level tests on both backends and a real-browser test (one test binary).

mod browser;
mod http;
mod live;
mod manual;
mod order_page;
mod support;
mod views;
