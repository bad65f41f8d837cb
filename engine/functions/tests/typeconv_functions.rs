//! Type conversion and sensitivity functions. Rows marked `=`/`!` were
//! answered by Terraform 1.11 (`terraform console`).

mod table;

use gitform_functions::FuncContext;

#[test]
fn typeconv_against_terraform() {
    table::run(
        &[
            // tobool
            ("tobool", r#"[true]"#, r#"=true"#),
            ("tobool", r#"["true"]"#, r#"=true"#),
            ("tobool", r#"["false"]"#, r#"=false"#),
            ("tobool", r#"[null]"#, r#"=null"#),
            (
                "tobool",
                r#"["no"]"#,
                r#"!Invalid value for "v" parameter: cannot convert "no" to bool; only the strings "true" or "false" are allowed."#,
            ),
            (
                "tobool",
                r#"["True"]"#,
                r#"!Invalid value for "v" parameter: cannot convert "True" to bool; only the strings "true" or "false" are allowed."#,
            ),
            (
                "tobool",
                r#"[1]"#,
                r#"!Invalid value for "v" parameter: cannot convert number to bool."#,
            ),
            (
                "tobool",
                r#"[{"$t":"sensitive","v":"x"}]"#,
                r#"!Invalid value for "v" parameter: cannot convert this sensitive string to bool."#,
            ),
            // tonumber
            ("tonumber", r#"[1]"#, r#"=1"#),
            ("tonumber", r#"["1"]"#, r#"=1"#),
            ("tonumber", r#"["-1.50"]"#, r#"=-1.5"#),
            ("tonumber", r#"["1e3"]"#, r#"=1000"#),
            ("tonumber", r#"[null]"#, r#"=null"#),
            (
                "tonumber",
                r#"["no"]"#,
                r#"!Invalid value for "v" parameter: cannot convert "no" to number; given string must be a decimal representation of a number."#,
            ),
            (
                "tonumber",
                r#"["hello"]"#,
                r#"!Invalid value for "v" parameter: cannot convert "hello" to number; given string must be a decimal representation of a number."#,
            ),
            (
                "tonumber",
                r#"["0x10"]"#,
                r#"!Invalid value for "v" parameter: cannot convert "0x10" to number; given string must be a decimal representation of a number."#,
            ),
            (
                "tonumber",
                r#"[true]"#,
                r#"!Invalid value for "v" parameter: cannot convert bool to number."#,
            ),
            (
                "tonumber",
                r#"[{"$t":"sensitive","v":"x"}]"#,
                r#"!Invalid value for "v" parameter: cannot convert this sensitive string to number."#,
            ),
            // tostring
            ("tostring", r#"["hello"]"#, r#"="hello""#),
            ("tostring", r#"[1]"#, r#"="1""#),
            ("tostring", r#"[1.5]"#, r#"="1.5""#),
            ("tostring", r#"[true]"#, r#"="true""#),
            ("tostring", r#"[null]"#, r#"=null"#),
            (
                "tostring",
                r#"[[]]"#,
                r#"!Invalid value for "v" parameter: cannot convert tuple to string."#,
            ),
            (
                "tostring",
                r#"[{}]"#,
                r#"!Invalid value for "v" parameter: cannot convert object to string."#,
            ),
            (
                "tostring",
                r#"[{"$t":"list","v":["a"]}]"#,
                r#"!Invalid value for "v" parameter: cannot convert list of string to string."#,
            ),
            // tolist / toset / tomap
            ("tolist", r#"[["a", "b", "c"]]"#, r#"=["a","b","c"]"#),
            ("tolist", r#"[["a", "b", 3]]"#, r#"=["a","b","3"]"#),
            (
                "tolist",
                r#"[[1, true]]"#,
                r#"!Invalid value for "v" parameter: cannot convert tuple to list of any single type."#,
            ),
            ("tolist", r#"[[]]"#, r#"=[]"#),
            (
                "tolist",
                r#"["a"]"#,
                r#"!Invalid value for "v" parameter: cannot convert string to list of any single type."#,
            ),
            (
                "tolist",
                r#"[{"a": 1}]"#,
                r#"!Invalid value for "v" parameter: cannot convert object to list of any single type."#,
            ),
            (
                "tolist",
                r#"[[1, [2]]]"#,
                r#"!Invalid value for "v" parameter: cannot convert tuple to list of any single type."#,
            ),
            (
                "tolist",
                r#"[[{"a": 1}, {"a": "x"}]]"#,
                r#"=[{"a":"1"},{"a":"x"}]"#,
            ),
            ("tolist", r#"[{"$t":"set","v":["b","a"]}]"#, r#"=["a","b"]"#),
            ("toset", r#"[["a", "b", "c"]]"#, r#"=["a","b","c"]"#),
            ("toset", r#"[["a", "b", 3]]"#, r#"=["3","a","b"]"#),
            ("toset", r#"[["c", "b", "b"]]"#, r#"=["b","c"]"#),
            ("toset", r#"[[]]"#, r#"=[]"#),
            (
                "toset",
                r#"[{"a": 1}]"#,
                r#"!Invalid value for "v" parameter: cannot convert object to set of any single type."#,
            ),
            ("toset", r#"[[1, 10, 2]]"#, r#"=[1,2,10]"#),
            ("tomap", r#"[{"a": 1, "b": 2}]"#, r#"={"a":1,"b":2}"#),
            (
                "tomap",
                r#"[{"a": "foo", "b": true}]"#,
                r#"={"a":"foo","b":"true"}"#,
            ),
            ("tomap", r#"[{}]"#, r#"={}"#),
            (
                "tomap",
                r#"[["a"]]"#,
                r#"!Invalid value for "v" parameter: cannot convert tuple to map of any single type."#,
            ),
            (
                "tomap",
                r#"["a"]"#,
                r#"!Invalid value for "v" parameter: cannot convert string to map of any single type."#,
            ),
            (
                "tomap",
                r#"[{"a": 1, "b": [2]}]"#,
                r#"!Invalid value for "v" parameter: cannot convert object to map of any single type."#,
            ),
            // sensitivity
            ("nonsensitive", r#"["clear"]"#, r#"="clear""#),
            ("nonsensitive", r#"[{"$t":"sensitive","v":"x"}]"#, r#"="x""#),
            ("nonsensitive", r#"[null]"#, r#"=null"#),
            ("issensitive", r#"[1]"#, r#"=false"#),
            ("issensitive", r#"["hello"]"#, r#"=false"#),
            (
                "issensitive",
                r#"[{"$t":"sensitive","v":"hello"}]"#,
                r#"=true"#,
            ),
            (
                "issensitive",
                r#"[{"a": {"$t":"sensitive","v":1}}]"#,
                r#"=false"#,
            ),
            ("issensitive", r#"[null]"#, r#"=false"#),
            ("ephemeralasnull", r#"["Hello World"]"#, r#"="Hello World""#),
            ("ephemeralasnull", r#"[{"a": 1}]"#, r#"={"a":1}"#),
            ("ephemeralasnull", r#"[null]"#, r#"=null"#),
        ],
        &FuncContext::default(),
    );
}

#[test]
fn typeconv_types_marks_and_unknowns() {
    table::run(
        &[
            ("tolist", r#"[["a"]]"#, r#"#{"$t":"list","v":["a"]}"#),
            ("tolist", r#"[[]]"#, r#"#{"$t":"list","v":[]}"#),
            (
                "toset",
                r#"[["b", "a", "b"]]"#,
                r#"#{"$t":"set","v":["a","b"]}"#,
            ),
            ("tomap", r#"[{"a": 1}]"#, r#"#{"$t":"map","v":{"a":1}}"#),
            (
                "tonumber",
                r#"[{"$t":"sensitive","v":"1"}]"#,
                r#"#{"$t":"sensitive","v":1}"#,
            ),
            (
                "tobool",
                r#"[{"$t":"sensitive","v":"true"}]"#,
                r#"#{"$t":"sensitive","v":true}"#,
            ),
            (
                "tostring",
                r#"[{"$t":"unknown","type":"dynamic"}]"#,
                r#"#{"$t":"unknown","type":"string"}"#,
            ),
            (
                "tonumber",
                r#"[{"$t":"unknown","type":"string"}]"#,
                r#"#{"$t":"unknown","type":"number"}"#,
            ),
            (
                "tolist",
                r#"[{"$t":"unknown","type":"dynamic"}]"#,
                r#"#{"$t":"unknown","type":["list","dynamic"]}"#,
            ),
            ("sensitive", r#"[1]"#, r#"#{"$t":"sensitive","v":1}"#),
            ("sensitive", r#"[null]"#, r#"#{"$t":"sensitive","v":null}"#),
            (
                "sensitive",
                r#"[{"$t":"unknown","type":"string"}]"#,
                r#"#{"$t":"sensitive","v":{"$t":"unknown","type":"string"}}"#,
            ),
            (
                "sensitive",
                r#"[{"$t":"sensitive","v":"x"}]"#,
                r#"#{"$t":"sensitive","v":"x"}"#,
            ),
            (
                "nonsensitive",
                r#"[{"a": {"$t":"sensitive","v":1}}]"#,
                r#"#{"a":{"$t":"sensitive","v":1}}"#,
            ),
            (
                "nonsensitive",
                r#"[{"$t":"sensitive","v":{"$t":"unknown","type":"number"}}]"#,
                r#"#{"$t":"unknown","type":"number"}"#,
            ),
            (
                "issensitive",
                r#"[{"$t":"unknown","type":"string"}]"#,
                r#"#{"$t":"unknown","type":"bool"}"#,
            ),
            (
                "issensitive",
                r#"[{"$t":"sensitive","v":{"$t":"unknown","type":"string"}}]"#,
                r#"#true"#,
            ),
            (
                "issensitive",
                r#"[{"$t":"sensitive","v":null}]"#,
                r#"#true"#,
            ),
            (
                "ephemeralasnull",
                r#"[{"$t":"sensitive","v":1}]"#,
                r#"#{"$t":"sensitive","v":1}"#,
            ),
            (
                "tostring",
                r#"[]"#,
                r#"!Function "tostring" expects 1 argument, but 0 were given."#,
            ),
        ],
        &FuncContext::default(),
    );
}
