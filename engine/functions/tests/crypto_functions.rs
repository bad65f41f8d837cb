//! Hash, UUID and bcrypt functions. Rows marked `=`/`!` were answered by
//! Terraform 1.11 (`terraform console`).

mod table;

use gitform_functions::{call, FuncContext};
use gitform_value::Value;

#[test]
fn crypto_against_terraform() {
    table::run(
        &[
            // hashes
            (
                "md5",
                r#"["hello world"]"#,
                r#"="5eb63bbbe01eeed093cb22bb8f5acdc3""#,
            ),
            ("md5", r#"[""]"#, r#"="d41d8cd98f00b204e9800998ecf8427e""#),
            (
                "md5",
                r#"["é日本"]"#,
                r#"="0e46a0c6283c93a2871fe3300ae1afb8""#,
            ),
            (
                "sha1",
                r#"["hello world"]"#,
                r#"="2aae6c35c94fcfb415dbe95f408b9ce91ee846ed""#,
            ),
            (
                "sha1",
                r#"[""]"#,
                r#"="da39a3ee5e6b4b0d3255bfef95601890afd80709""#,
            ),
            (
                "sha256",
                r#"["hello world"]"#,
                r#"="b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#,
            ),
            (
                "sha256",
                r#"["é日本"]"#,
                r#"="ef670660114ef14b510cf29733f480abb31d47af7469fd9a1b5d4e04e03e3c1b""#,
            ),
            (
                "sha512",
                r#"["hello world"]"#,
                r#"="309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f""#,
            ),
            (
                "base64sha256",
                r#"["hello world"]"#,
                r#"="uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=""#,
            ),
            (
                "base64sha256",
                r#"[""]"#,
                r#"="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=""#,
            ),
            (
                "base64sha512",
                r#"["hello world"]"#,
                r#"="MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw==""#,
            ),
            ("md5", r#"[1]"#, r#"="c4ca4238a0b923820dcc509a6f75849b""#),
            (
                "sha256",
                r#"[true]"#,
                r#"="b5bea41b6c623f7c09f1bf24dcae58ebab3c0cdd90ad966bc43a45b44867e12b""#,
            ),
            // uuidv5
            (
                "uuidv5",
                r#"["dns", "www.opentofu.org"]"#,
                r#"="df1e675d-b743-5f6c-9952-6311d0f141df""#,
            ),
            (
                "uuidv5",
                r#"["url", "https://www.opentofu.org/"]"#,
                r#"="ace93eea-1a2c-5eed-b41b-718be15d2e50""#,
            ),
            (
                "uuidv5",
                r#"["oid", "1.3.6.1.4"]"#,
                r#"="af9d40a5-7a36-5c07-b23a-851cd99fbfa5""#,
            ),
            (
                "uuidv5",
                r#"["x500", "CN=Example,C=GB"]"#,
                r#"="84e09961-4aa4-57f8-95b7-03edb1073253""#,
            ),
            (
                "uuidv5",
                r#"["6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.opentofu.org"]"#,
                r#"="df1e675d-b743-5f6c-9952-6311d0f141df""#,
            ),
            (
                "uuidv5",
                r#"["743ac3c0-3bf7-4a5b-9e6c-59360447c757", "LIBS:diskfont.library"]"#,
                r#"="ede1a974-df7e-5f17-84b9-76208818b2c8""#,
            ),
            (
                "uuidv5",
                r#"["{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "www.opentofu.org"]"#,
                r#"="df1e675d-b743-5f6c-9952-6311d0f141df""#,
            ),
            (
                "uuidv5",
                r#"["6ba7b8109dad11d180b400c04fd430c8", "www.opentofu.org"]"#,
                r#"="df1e675d-b743-5f6c-9952-6311d0f141df""#,
            ),
            (
                "uuidv5",
                r#"["urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.opentofu.org"]"#,
                r#"="df1e675d-b743-5f6c-9952-6311d0f141df""#,
            ),
            (
                "uuidv5",
                r#"["foo", "x"]"#,
                r#"!uuidv5() doesn't support namespace foo (invalid UUID length: 3)."#,
            ),
            (
                "uuidv5",
                r#"["DNS", "x"]"#,
                r#"!uuidv5() doesn't support namespace DNS (invalid UUID length: 3)."#,
            ),
            (
                "uuidv5",
                r#"["6ba7b810-9dad-11d1-80b4-00c04fd430cZ", "x"]"#,
                r#"!uuidv5() doesn't support namespace 6ba7b810-9dad-11d1-80b4-00c04fd430cZ (invalid UUID format)."#,
            ),
            (
                "uuidv5",
                r#"["dns", ""]"#,
                r#"="4ebd0208-8328-5d69-8c44-ec50939c0967""#,
            ),
            // bcrypt errors
            (
                "bcrypt",
                r#"["x", 32]"#,
                r#"!error occured generating password crypto/bcrypt: cost 32 is outside allowed range (4,31)."#,
            ),
            (
                "bcrypt",
                r#"["x", 1.5]"#,
                r#"!value must be a whole number, between -9223372036854775808 and 9223372036854775807."#,
            ),
            (
                "bcrypt",
                r#"["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]"#,
                r#"!error occured generating password bcrypt: password length exceeds 72 bytes."#,
            ),
            (
                "bcrypt",
                r#"["x", 4, 5]"#,
                r#"!bcrypt() takes no more than two arguments."#,
            ),
        ],
        &FuncContext::default(),
    );
}

#[test]
fn crypto_generated_values_marks_and_unknowns() {
    table::run(
        &[
            (
                "uuid",
                r#"[]"#,
                r#"~^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#,
            ),
            ("bcrypt", r#"["x", 4]"#, r#"~^\$2a\$04\$[./A-Za-z0-9]{53}$"#),
            ("bcrypt", r#"["x", 3]"#, r#"~^\$2a\$10\$[./A-Za-z0-9]{53}$"#),
            (
                "md5",
                r#"[{"$t":"sensitive","v":"a"}]"#,
                r#"#{"$t":"sensitive","v":"0cc175b9c0f1b6a831c399e269772661"}"#,
            ),
            (
                "sha256",
                r#"[{"$t":"unknown","type":"string"}]"#,
                r#"#{"$t":"unknown","type":"string"}"#,
            ),
            (
                "uuidv5",
                r#"["dns", {"$t":"unknown","type":"string"}]"#,
                r#"#{"$t":"unknown","type":"string"}"#,
            ),
            (
                "md5",
                r#"[null]"#,
                r#"!Invalid value for "str" parameter: argument must not be null."#,
            ),
            (
                "uuid",
                r#"[1]"#,
                r#"!Function "uuid" expects 0 arguments, but 1 were given."#,
            ),
        ],
        &FuncContext::default(),
    );
}

#[test]
fn bcrypt_hashes_verify() {
    let hash = call(
        "bcrypt",
        vec![Value::from("hunter2"), Value::int(4)],
        &FuncContext::default(),
    )
    .unwrap();
    let hash = hash.as_str().unwrap();
    assert!(bcrypt::verify("hunter2", hash).unwrap());
    assert!(!bcrypt::verify("hunter3", hash).unwrap());
}
