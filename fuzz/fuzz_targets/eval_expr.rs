//! Arbitrary bytes as one expression: parse, evaluate, extract references,
//! read as a type constraint and as static traversals, render what comes out.
#![no_main]

use gitform_fuzz::{check_expression, reads_special_files, render};
use gitform_value::SourceFile;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    if reads_special_files(data) {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = vec![Arc::new(SourceFile::new("<fuzz>", text))];
    match gitform_lang::parse_expression(text, "<fuzz>") {
        Ok((expr, file)) => {
            check_expression(&expr, &file, &sources);
            if let Err(d) = gitform_lang::parse_type_constraint(&expr, &file) {
                render(&d, &sources);
            }
            for t in gitform_lang::traversal_references(&expr)
                .into_iter()
                .flatten()
            {
                let _ = t.reference();
            }
        }
        Err(d) => render(&d, &sources),
    }
});
