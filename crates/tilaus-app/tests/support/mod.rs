#![allow(dead_code)]

pub mod mail_runner;
pub mod named_files;
pub mod smtp_sink;
