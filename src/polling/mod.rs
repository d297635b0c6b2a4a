//! Polling areas (one per polling place, serving all four races) and their polling groups.

pub mod rules;
