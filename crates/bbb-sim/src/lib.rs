//! bbb-sim (stub)
