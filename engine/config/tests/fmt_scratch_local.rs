// TEMPORARY local comparison harness; not committed.
use gitform_config::fmt::format_source;
use std::fs;

#[test]
fn scratch() {
    let dir = "/tmp/tff/corpus";
    let mut names: Vec<_> = fs::read_dir(dir).unwrap().filter_map(|e| {
        let p = e.unwrap().path();
        let n = p.file_name()?.to_str()?.strip_suffix(".tf")?.to_string();
        Some(n)
    }).collect();
    names.sort();
    let (mut ok, mut bad) = (0, 0);
    for n in names {
        let src = String::from_utf8_lossy(&fs::read(format!("{dir}/{n}.tf")).unwrap()).to_string();
        let want = fs::read_to_string(format!("{dir}/{n}.want")).ok();
        let got = format_source(&src);
        match (&want, &got) {
            (Some(w), Ok(g)) if w == g => ok += 1,
            (None, Err(_)) => ok += 1,
            (Some(w), Ok(g)) => { bad += 1; fs::write(format!("/tmp/tff/out/{n}.got"), g).unwrap(); println!("DIFF {n}"); let _ = w; }
            (Some(_), Err(e)) => { bad += 1; println!("WE-ERR {n}: {e}"); }
            (None, Ok(_)) => { bad += 1; println!("TF-ERR {n}: {}", fs::read_to_string(format!("{dir}/{n}.err")).unwrap_or_default().lines().find(|l| l.starts_with("Error")).unwrap_or("")); }
        }
    }
    println!("ok={ok} bad={bad}");
}
