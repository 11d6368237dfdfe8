//! Tilaus adapters to the outside world.
//!
//! For now this is the spreadsheet export used to hand orders (ORD-11) to
//! shop staff and accountants as CSV or XLSX files. Exports stream row by
//! row, so even a million-row export never holds its rows in memory.

pub mod export;
