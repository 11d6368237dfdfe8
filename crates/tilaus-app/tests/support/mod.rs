#![allow(dead_code)]

pub mod named_files;
pub mod smtp_sink;
