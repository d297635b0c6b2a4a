//! Integration tests: the real application against a real PostgreSQL (one private cluster for
//! the whole run, a fresh database for each test), and the real binary where a test needs a process.

mod helpers;

mod access;
mod accounts;
mod audit;
mod auth;
mod browser;
mod budget;
mod candidates;
mod complaints;
mod constituencies;
mod dashboards;
mod directives;
mod election;
mod establishment;
mod figures;
mod forms;
mod hardening;
mod imports;
mod language;
mod launcher;
mod lifecycle;
mod logistics;
mod national;
mod nodes;
mod pages;
mod polling;
mod reminders;
mod rollups;
mod schema;
mod seed;
mod structure;
mod tasks;
mod visits;
