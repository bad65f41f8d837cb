mod common;
use gitform_lang::EvalContext;
#[test]
fn scratch() {
    let ctx = EvalContext::new().with_console_type_function();
    for line in std::fs::read_to_string("/tmp/scratch.txt").unwrap().lines() {
        println!("{line}\n  => {}", common::run(line, &ctx));
    }
}
