//! Shared helpers for the Casus benchmarks.
