//! JSON encoding and decoding of values.
//! (Being written: see the value-semantics work item.)
