//! gateway (stub)
