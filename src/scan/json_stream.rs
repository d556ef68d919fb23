//! Streaming JSON.
