//! Encoding functions. Rows marked `=`/`!` in the first table were
//! answered by Terraform 1.11 (`terraform console`).

mod table;

use gitform_functions::FuncContext;

#[test]
fn encoding_against_terraform() {
    table::run(
        &[
            // base64
            (
                "base64decode",
                r##"["SGVsbG8gV29ybGQ="]"##,
                r##"="Hello World""##,
            ),
            (
                "base64decode",
                r##"["/w=="]"##,
                r##"!the result of decoding the provided string is not valid UTF-8."##,
            ),
            (
                "base64decode",
                r##"["a"]"##,
                r##"!failed to decode base64 data "a"."##,
            ),
            (
                "base64decode",
                r##"["YQ"]"##,
                r##"!failed to decode base64 data "YQ"."##,
            ),
            ("base64decode", r##"["YWJj\nZGVm"]"##, r##"="abcdef""##),
            (
                "base64decode",
                r##"[" YWJj"]"##,
                r##"!failed to decode base64 data " YWJj"."##,
            ),
            (
                "base64decode",
                r##"["YWJjZA="]"##,
                r##"!failed to decode base64 data "YWJjZA="."##,
            ),
            (
                "base64decode",
                r##"["-_8="]"##,
                r##"!failed to decode base64 data "-_8="."##,
            ),
            ("base64decode", r##"["YR=="]"##, r##"="a""##),
            ("base64decode", r##"[""]"##, r##"="""##),
            (
                "base64encode",
                r##"["Hello World"]"##,
                r##"="SGVsbG8gV29ybGQ=""##,
            ),
            ("base64encode", r##"[""]"##, r##"="""##),
            ("base64encode", r##"["é日本"]"##, r##"="w6nml6XmnKw=""##),
            (
                "base64gzip",
                r##"["hello"]"##,
                r##"="H4sIAAAAAAAA/8pIzcnJBwAAAP//AQAA//+GphA2BQAAAA==""##,
            ),
            (
                "base64gzip",
                r##"["test"]"##,
                r##"="H4sIAAAAAAAA/ypJLS4BAAAA//8BAAD//wx+f9gEAAAA""##,
            ),
            (
                "base64gzip",
                r##"[""]"##,
                r##"="H4sIAAAAAAAA/wAAAP//AQAA//8AAAAAAAAAAA==""##,
            ),
            // csvdecode
            (
                "csvdecode",
                r##"["a,b,c\n1,2,3\n4,5,6"]"##,
                r##"=[{"a":"1","b":"2","c":"3"},{"a":"4","b":"5","c":"6"}]"##,
            ),
            (
                "csvdecode",
                r##"["a,b\n1,2,3"]"##,
                r##"!CSV parse error on line 2: wrong number of fields."##,
            ),
            (
                "csvdecode",
                r##"["a,b\n1"]"##,
                r##"!CSV parse error on line 2: wrong number of fields."##,
            ),
            ("csvdecode", r##"[""]"##, r##"!missing header line."##),
            ("csvdecode", r##"["a,b"]"##, r##"=[]"##),
            (
                "csvdecode",
                r##"["a,a\n1,2"]"##,
                r##"!duplicate column name "a"."##,
            ),
            (
                "csvdecode",
                r##"["a,\"b\nc\"\n1,2\n"]"##,
                r##"=[{"a":"1","b\nc":"2"}]"##,
            ),
            (
                "csvdecode",
                r##"["a,b\n\n1,2\n"]"##,
                r##"=[{"a":"1","b":"2"}]"##,
            ),
            (
                "csvdecode",
                r##"["a,b\n 1 ,\"x\"\"y\"\n"]"##,
                r##"=[{"a":" 1 ","b":"x\"y"}]"##,
            ),
            (
                "csvdecode",
                r##"["a\"b,c\n1,2"]"##,
                r##"!CSV parse error on line 1: bare " in non-quoted-field."##,
            ),
            (
                "csvdecode",
                r##"["a,b\r\n1,2\r\n"]"##,
                r##"=[{"a":"1","b":"2"}]"##,
            ),
            (
                "csvdecode",
                r##"["a,b\n\"1\"x,2"]"##,
                r##"!CSV parse error on line 2: extraneous or missing " in quoted-field."##,
            ),
            (
                "csvdecode",
                r##"["a,b\n\"1,2"]"##,
                r##"!CSV parse error on line 2: extraneous or missing " in quoted-field."##,
            ),
            (
                "csvdecode",
                r##"["a,b,\n1,2,"]"##,
                r##"=[{"":"","a":"1","b":"2"}]"##,
            ),
            (
                "csvdecode",
                r##"["a\n\n\n1\n2\n"]"##,
                r##"=[{"a":"1"},{"a":"2"}]"##,
            ),
            (
                "csvdecode",
                r##"["a,b\n1,2\n3,4,5\n"]"##,
                r##"!CSV parse error on line 3: wrong number of fields."##,
            ),
            // jsondecode / jsonencode
            (
                "jsondecode",
                r##"["{\"hello\": \"world\"}"]"##,
                r##"={"hello":"world"}"##,
            ),
            ("jsondecode", r##"["true"]"##, r##"=true"##),
            ("jsondecode", r##"["1.50"]"##, r##"=1.5"##),
            (
                "jsondecode",
                r##"["[1,\"a\",null,{}]"]"##,
                r##"=[1,"a",null,{}]"##,
            ),
            ("jsondecode", r##"["{\"a\":1,\"a\":2}"]"##, r##"={"a":2}"##),
            (
                "jsondecode",
                r##"["12345678901234567890123"]"##,
                r##"=12345678901234567890123"##,
            ),
            ("jsondecode", r##"["{"]"##, r##"!EOF."##),
            ("jsondecode", r##"[""]"##, r##"!EOF."##),
            (
                "jsondecode",
                r##"["1 2"]"##,
                r##"!extraneous data after JSON object."##,
            ),
            ("jsondecode", r##"["null"]"##, r##"=null"##),
            (
                "jsonencode",
                r##"[{"hello": "world"}]"##,
                r##"="{\"hello\":\"world\"}""##,
            ),
            ("jsonencode", r##"[null]"##, r##"="null""##),
            (
                "jsonencode",
                r##"[[1, "a", true, null]]"##,
                r##"="[1,\"a\",true,null]""##,
            ),
            (
                "jsonencode",
                r##"["<&>\u2028"]"##,
                r##"="\"\\u003c\\u0026\\u003e\\u2028\"""##,
            ),
            (
                "jsonencode",
                r##"[{"$t":"set","v":["b","a"]}]"##,
                r##"="[\"a\",\"b\"]""##,
            ),
            ("jsonencode", r##"[1.5]"##, r##"="1.5""##),
            // textencodebase64 / textdecodebase64
            (
                "textencodebase64",
                r##"["Hello World", "UTF-16LE"]"##,
                r##"="SABlAGwAbABvACAAVwBvAHIAbABkAA==""##,
            ),
            (
                "textencodebase64",
                r##"["Hello", "UTF-8"]"##,
                r##"="SGVsbG8=""##,
            ),
            (
                "textencodebase64",
                r##"["Hello", "utf-16"]"##,
                r##"="/v8ASABlAGwAbABv""##,
            ),
            (
                "textencodebase64",
                r##"["Hello", "UTF-16BE"]"##,
                r##"="AEgAZQBsAGwAbw==""##,
            ),
            (
                "textencodebase64",
                r##"["😀", "UTF-16LE"]"##,
                r##"="PdgA3g==""##,
            ),
            (
                "textencodebase64",
                r##"["Hello€", "ISO-8859-1"]"##,
                r##"!Invalid value for "string" parameter: the given string contains characters that cannot be represented in ISO_8859-1:1987."##,
            ),
            (
                "textencodebase64",
                r##"["Héllo", "latin1"]"##,
                r##"="SOlsbG8=""##,
            ),
            (
                "textencodebase64",
                r##"["Héllo", "windows-1252"]"##,
                r##"="SOlsbG8=""##,
            ),
            (
                "textencodebase64",
                r##"["€", "ISO-8859-2"]"##,
                r##"!Invalid value for "string" parameter: the given string contains characters that cannot be represented in ISO_8859-2:1987."##,
            ),
            (
                "textencodebase64",
                r##"["€", "ISO-8859-15"]"##,
                r##"="pA==""##,
            ),
            (
                "textencodebase64",
                r##"["日", "windows-1252"]"##,
                r##"!Invalid value for "string" parameter: the given string contains characters that cannot be represented in windows-1252."##,
            ),
            (
                "textencodebase64",
                r##"["Héllo", "US-ASCII"]"##,
                r##"!Invalid value for "string" parameter: the given string contains characters that cannot be represented in US-ASCII."##,
            ),
            (
                "textencodebase64",
                r##"["A", "ANSI_X3.4-1968"]"##,
                r##"="QQ==""##,
            ),
            ("textencodebase64", r##"["A", "csUTF8"]"##, r##"="QQ==""##),
            (
                "textencodebase64",
                r##"["日本", "Shift_JIS"]"##,
                r##"="k/qWew==""##,
            ),
            ("textencodebase64", r##"["日", "GBK"]"##, r##"="yNU=""##),
            ("textencodebase64", r##"["日", "GB18030"]"##, r##"="yNU=""##),
            ("textencodebase64", r##"["€", "Big5"]"##, r##"="o+E=""##),
            ("textencodebase64", r##"["€", "EUC-KR"]"##, r##"="ouY=""##),
            (
                "textencodebase64",
                r##"["€", "EUC-JP"]"##,
                r##"!Invalid value for "string" parameter: the given string contains characters that cannot be represented in Extended_UNIX_Code_Packed_Format_for_Japanese."##,
            ),
            (
                "textencodebase64",
                r##"["€", "KOI8-R"]"##,
                r##"!Invalid value for "string" parameter: the given string contains characters that cannot be represented in KOI8-R."##,
            ),
            (
                "textencodebase64",
                r##"["€", "Macintosh"]"##,
                r##"="2w==""##,
            ),
            (
                "textencodebase64",
                r##"["Hello", "foo"]"##,
                r##"!Invalid value for "encoding" parameter: "foo" is not a supported IANA encoding name or alias in this Terraform version."##,
            ),
            (
                "textencodebase64",
                r##"["Hello", "ascii"]"##,
                r##"!Invalid value for "encoding" parameter: "ascii" is not a supported IANA encoding name or alias in this Terraform version."##,
            ),
            (
                "textencodebase64",
                r##"["x", "UTF-32"]"##,
                r##"!Invalid value for "encoding" parameter: "UTF-32" is not a supported IANA encoding name or alias in this Terraform version."##,
            ),
            (
                "textdecodebase64",
                r##"["SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE"]"##,
                r##"="Hello World""##,
            ),
            (
                "textdecodebase64",
                r##"["SGVsbG8=", "foo"]"##,
                r##"!Invalid value for "encoding" parameter: "foo" is not a supported IANA encoding name or alias in this Terraform version."##,
            ),
            (
                "textdecodebase64",
                r##"["SGVsbG8", "UTF-8"]"##,
                r##"!Invalid value for "source" parameter: the given value is has an invalid base64 symbol at offset 4."##,
            ),
            (
                "textdecodebase64",
                r##"["/w==", "UTF-8"]"##,
                r##"!Invalid value for "source" parameter: the given string contains symbols that are not defined for UTF-8."##,
            ),
            (
                "textdecodebase64",
                r##"["6Q==", "ISO-8859-1"]"##,
                r##"="é""##,
            ),
            (
                "textdecodebase64",
                r##"["//5IAA==", "UTF-16"]"##,
                r##"="H""##,
            ),
            (
                "textdecodebase64",
                r##"["/v8ASA==", "UTF-16"]"##,
                r##"="H""##,
            ),
            ("textdecodebase64", r##"["AEg=", "UTF-16"]"##, r##"="H""##),
            (
                "textdecodebase64",
                r##"["ZQBs", "UTF-16LE"]"##,
                r##"!Invalid value for "source" parameter: the given string contains symbols that are not defined for UTF-16LE."##,
            ),
            (
                "textdecodebase64",
                r##"["/w==", "Shift_JIS"]"##,
                r##"!Invalid value for "source" parameter: the given string contains symbols that are not defined for Shift_JIS."##,
            ),
            (
                "textdecodebase64",
                r##"["/w==", "US-ASCII"]"##,
                r##"!Invalid value for "source" parameter: the given string contains symbols that are not defined for US-ASCII."##,
            ),
            (
                "textdecodebase64",
                r##"["k/qWew==", "Shift_JIS"]"##,
                r##"="日本""##,
            ),
            ("textdecodebase64", r##"["", "UTF-8"]"##, r##"="""##),
            // urlencode
            (
                "urlencode",
                r##"["Hello World!"]"##,
                r##"="Hello+World%21""##,
            ),
            ("urlencode", r##"["☃"]"##, r##"="%E2%98%83""##),
            (
                "urlencode",
                r##"["a b&c=d/e?f~g-h_i.j*k(l)!@#$%^+"]"##,
                r##"="a+b%26c%3Dd%2Fe%3Ff~g-h_i.j%2Ak%28l%29%21%40%23%24%25%5E%2B""##,
            ),
            ("urlencode", r##"[""]"##, r##"="""##),
            // yamldecode
            (
                "yamldecode",
                r##"["hello: world"]"##,
                r##"={"hello":"world"}"##,
            ),
            ("yamldecode", r##"["true"]"##, r##"=true"##),
            (
                "yamldecode",
                r##"["{a: &foo [1, 2, 3], b: *foo}"]"##,
                r##"={"a":[1,2,3],"b":[1,2,3]}"##,
            ),
            (
                "yamldecode",
                r##"["{a: &foo [1, *foo, 3]}"]"##,
                r##"!cannot refer to anchor "foo" from inside its own definition."##,
            ),
            (
                "yamldecode",
                r##"["{a: !not-supported foo}"]"##,
                r##"!unsupported tag "!not-supported"."##,
            ),
            (
                "yamldecode",
                r##"["{a: yes, b: 0x10, c: 1e3, e: ~, f: 2001-12-14, g: 0o17, h: 017, i: +1, j: 1_000, k: on, l: Null, m: TRUE, n: 0b101, o: -.5, p: \"1\", q: 1.0, r: 12345678901234567890123, s: !!str 1, t: !!int \"3\", u: , v: 0.1, w: 1.5e+3, x: 0xFF, y: -0x1, z: 1:20}"]"##,
                r##"={"a":true,"b":16,"c":1000,"e":null,"f":"2001-12-14T00:00:00Z","false":"0b101","g":15,"h":17,"i":1,"j":"1_000","k":true,"l":null,"m":true,"o":-0.5,"p":"1","q":1,"r":12345678901234567890123,"s":"1","t":"3","true":"-0x1","u":null,"v":0.1,"w":1500,"x":255,"z":"1:20"}"##,
            ),
            (
                "yamldecode",
                r##"["{a: Off, b: NO, c: y, d: n, e: True, f: tRUE, g: NULL, h: Nope, i: 2001-12-14t21:59:43.10-05:00}"]"##,
                r##"={"a":false,"b":false,"c":true,"d":false,"e":true,"f":"tRUE","g":null,"h":"Nope","i":"2001-12-14T21:59:43-05:00"}"##,
            ),
            (
                "yamldecode",
                r##"["[0x, 0X10, 0O17, 0o8, +0x1, 1., .5, 1e, -1_0, 0b1, 0x1_0, 1E3, ., +, +.5, 00, 0o, 0xG, 0x10.5, 1e+, 2001-1-2, 2001-12-14 21:59:43.10, 2001-12-14T21:59:43Z, \"2001-12-14\", !!str 2001-12-14, 2001-13-14, 0.1e1_0, +12, 1_2.5]"]"##,
                r##"=["0x","0X10","0O17","0o8","+0x1",1,0.5,"1e","-1_0","0b1","0x1_0",1000,".","+",0.5,0,"0o","0xG","0x10.5","1e+","2001-01-02T00:00:00Z","2001-12-14T21:59:43Z","2001-12-14T21:59:43Z","2001-12-14","2001-12-14","2001-13-14","0.1e1_0",12,"1_2.5"]"##,
            ),
            (
                "yamldecode",
                r##"["[!!int 1.5, !!int 0b11, !!int 1_000, !!float 2, !!bool yes, !!bool \"yes\", !!null x, !!binary aGVsbG8=, !!timestamp 2001-12-14, !!float 1]"]"##,
                r##"=[1.5,3,1000,2,true,"yes",null,"aGVsbG8=","2001-12-14T00:00:00Z",1]"##,
            ),
            (
                "yamldecode",
                r##"["!!float abc"]"##,
                r##"!cannot parse "abc" as tag:yaml.org,2002:float."##,
            ),
            (
                "yamldecode",
                r##"["!!int x"]"##,
                r##"!cannot parse "x" as tag:yaml.org,2002:int."##,
            ),
            (
                "yamldecode",
                r##"["!!binary \"!!\""]"##,
                r##"!cannot parse "!!" as tag:yaml.org,2002:binary: not valid base64."##,
            ),
            (
                "yamldecode",
                r##"["!foo x"]"##,
                r##"!unsupported tag "!foo"."##,
            ),
            (
                "yamldecode",
                r##"["!!set {a}"]"##,
                r##"!can't interpret mapping as tag:yaml.org,2002:set."##,
            ),
            (
                "yamldecode",
                r##"["!!timestamp x"]"##,
                r##"!cannot parse "x" as tag:yaml.org,2002:timestamp."##,
            ),
            (
                "yamldecode",
                r##"["[\"yes\", 'on', yes, !!str yes]"]"##,
                r##"=["yes","on",true,"yes"]"##,
            ),
            (
                "yamldecode",
                r##"["a: .nan"]"##,
                r##"!floating point NaN is not supported."##,
            ),
            ("yamldecode", r##"["- 1\n- [2]\n"]"##, r##"=[1,[2]]"##),
            (
                "yamldecode",
                r##"[""]"##,
                r##"!on line 1, column 1: missing start of document."##,
            ),
            (
                "yamldecode",
                r##"["{1: a, true: b, x: null}"]"##,
                r##"={"1":"a","true":"b","x":null}"##,
            ),
            (
                "yamldecode",
                r##"["{1: a, null: c}"]"##,
                r##"!mapping key cannot be null."##,
            ),
            (
                "yamldecode",
                r##"["<<: {a: 1}\nb: 2"]"##,
                r##"={"a":1,"b":2}"##,
            ),
            ("yamldecode", r##"["a: 1\na: 2"]"##, r##"={"a":2}"##),
            (
                "yamldecode",
                r##"["a: |\n  line1\n  line2\nb: >\n  folded\n  text\n"]"##,
                r##"={"a":"line1\nline2\n","b":"folded text\n"}"##,
            ),
            (
                "yamldecode",
                r##"["---\nfoo: bar\n...\n"]"##,
                r##"={"foo":"bar"}"##,
            ),
            (
                "yamldecode",
                r##"["base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n"]"##,
                r##"={"base":{"true":2,"x":1},"derived":{"true":3,"x":1}}"##,
            ),
            ("yamldecode", r##"["\"quoted\""]"##, r##"="quoted""##),
            (
                "yamldecode",
                r##"["{1.0: a, 1e2: b}"]"##,
                r##"={"1":"a","100":"b"}"##,
            ),
            // yamlencode
            (
                "yamlencode",
                r##"[{"a": "b", "c": "d"}]"##,
                r##"="\"a\": \"b\"\n\"c\": \"d\"\n""##,
            ),
            (
                "yamlencode",
                r##"[{"foo": [1, 2, 3], "bar": "baz"}]"##,
                r##"="\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n""##,
            ),
            (
                "yamlencode",
                r##"[{"foo": [1, {"a": "b", "c": "d"}, 3], "bar": "baz"}]"##,
                r##"="\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a": 1, "b": "x", "c": true, "d": null, "e": [], "f": {}, "g": 1.5, "h": "", "i": "true", "j": "1", "k": "null", "l": "multi\nline", "m": "multi\nline\n", "n": "  lead", "o": "a: b", "p": "#x", "q": "~", "r": "yes", "s": "-", "t": [[1, 2], [3]], "u": [{"x": 1, "y": [1]}, {}], "v": "é日", "w": "tab\there", "x": "trail ", "y": "1e3", "z": "0x10"}]"##,
                r##"="\"a\": 1\n\"b\": \"x\"\n\"c\": true\n\"d\": null\n\"e\": []\n\"f\": {}\n\"g\": 1.5\n\"h\": \"\"\n\"i\": \"true\"\n\"j\": \"1\"\n\"k\": \"null\"\n\"l\": |-\n  multi\n  line\n\"m\": |\n  multi\n  line\n\"n\": \"  lead\"\n\"o\": \"a: b\"\n\"p\": \"#x\"\n\"q\": \"~\"\n\"r\": \"yes\"\n\"s\": \"-\"\n\"t\":\n- - 1\n  - 2\n- - 3\n\"u\":\n- \"x\": 1\n  \"y\":\n  - 1\n- {}\n\"v\": \"é日\"\n\"w\": \"tab\\there\"\n\"x\": \"trail \"\n\"y\": \"1e3\"\n\"z\": \"0x10\"\n""##,
            ),
            ("yamlencode", r##"["x"]"##, r##"="\"x\"\n""##),
            ("yamlencode", r##"[1]"##, r##"="1\n...\n""##),
            ("yamlencode", r##"[[]]"##, r##"="[]\n""##),
            ("yamlencode", r##"[{}]"##, r##"="{}\n""##),
            ("yamlencode", r##"[null]"##, r##"="null\n...\n""##),
            ("yamlencode", r##"[true]"##, r##"="true\n...\n""##),
            ("yamlencode", r##"[""]"##, r##"="\"\"\n""##),
            ("yamlencode", r##"[" "]"##, r##"="\" \"\n""##),
            (
                "yamlencode",
                r##"[{"key with space": 1, "1": 2, "true": 3, "a-b": 4, "é": 5}]"##,
                r##"="\"1\": 2\n\"a-b\": 4\n\"key with space\": 1\n\"true\": 3\n\"é\": 5\n""##,
            ),
            ("yamlencode", r##"["a\u0001b"]"##, r##"="\"a\\x01b\"\n""##),
            (
                "yamlencode",
                r##"[12345678901234567890123]"##,
                r##"="12345678901234567890123\n...\n""##,
            ),
            (
                "yamlencode",
                r##"[[0.0000001, 1e30, 0.1, -1.5]]"##,
                r##"="- 0.0000001\n- 1000000000000000000000000000000\n- 0.1\n- -1.5\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris"}]"##,
                r##"="\"a\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud\n  exercitation ullamco laboris\"\n""##,
            ),
            (
                "yamlencode",
                r##"[["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyy"]]"##,
                r##"="- \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n  yyy\"\n""##,
            ),
            (
                "yamlencode",
                r##"[{"k": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod  tempor incididunt"}]"##,
                r##"="\"k\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod  tempor\n  incididunt\"\n""##,
            ),
            (
                "yamlencode",
                r##"[[" lead\nx", "a\n\n", "a\n\n\n", "\n", "x\n y", "tab\tin\nmulti", "trail \nx", "a\r\nb", "\na", "x\n#y", "é\n日", "a\u0085b\nc", "a\u2028b", "  x\n  y", "x\u2028y\nz"]]"##,
                r##"="- |2-\n   lead\n  x\n- |+\n  a\n\n- |+\n  a\n\n\n- |2+\n\n- |-\n  x\n   y\n- \"tab\\tin\\nmulti\"\n- \"trail \\nx\"\n- \"a\\r\\nb\"\n- |2-\n\n  a\n- |-\n  x\n  #y\n- |-\n  é\n  日\n- \"a\\Nb\\nc\"\n- \"a\\Lb\"\n- |2-\n    x\n    y\n- |-\n  x\u2028  y\n  z\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a\nb": 1}]"##,
                r##"="? |-\n  a\n  b\n: 1\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a\u2028b": 1}]"##,
                r##"="? \"a\\Lb\"\n: 1\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a\tb": "c\td"}]"##,
                r##"="\"a\\tb\": \"c\\td\"\n""##,
            ),
            ("yamlencode", r##"["a\n\n"]"##, r##"="|+\n  a\n\n""##),
            ("yamlencode", r##"["a\n"]"##, r##"="|\n  a\n""##),
            ("yamlencode", r##"["\n"]"##, r##"="|2+\n\n""##),
            (
                "yamlencode",
                r##"[["😀", "a\u00a0b", "\u0085", "\ufeffx", "\u007f", "\ue000", "\uffff", "😀\nx"]]"##,
                r##"="- \"\\U0001F600\"\n- \"a b\"\n- \"\\N\"\n- \"\\uFEFF\\x78\"\n- \"\\x7F\"\n- \"\"\n- \"\\uFFFF\"\n- \"\\U0001F600\\nx\"\n""##,
            ),
            (
                "yamlencode",
                r##"[{"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": 1}]"##,
                r##"="? \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n: 1\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a": {"b": {"c": ["x", {"d": "y"}]}}}]"##,
                r##"="\"a\":\n  \"b\":\n    \"c\":\n    - \"x\"\n    - \"d\": \"y\"\n""##,
            ),
            ("yamlencode", r##"[[[]]]"##, r##"="- []\n""##),
            ("yamlencode", r##"[[{}]]"##, r##"="- {}\n""##),
            (
                "yamlencode",
                r##"[{"a": [[1]]}]"##,
                r##"="\"a\":\n- - 1\n""##,
            ),
            (
                "yamlencode",
                r##"[{"$t":"set","v":["b","a"]}]"##,
                r##"="- \"a\"\n- \"b\"\n""##,
            ),
            (
                "yamlencode",
                r##"[{"a": {"k": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore"}}]"##,
                r##"="\"a\":\n  \"k\": \"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor\n    incididunt ut labore\"\n""##,
            ),
            (
                "yamlencode",
                r##"[["a \"quoted\" \\ back"]]"##,
                r##"="- \"a \\\"quoted\\\" \\\\ back\"\n""##,
            ),
            (
                "yamldecode",
                r##"["[a, [b, {c: d}]]"]"##,
                r##"=["a",["b",{"c":"d"}]]"##,
            ),
            (
                "yamldecode",
                r##"["a:\n  - b: 1\n    c: [x]\n"]"##,
                r##"={"a":[{"b":1,"c":["x"]}]}"##,
            ),
            ("yamldecode", r##"["'it''s'"]"##, r##"="it's""##),
            ("yamldecode", r##"["\"esc\\t\\u00e9\""]"##, r##"="esc\té""##),
            (
                "yamldecode",
                r##"["[*x]"]"##,
                r##"!reference to undefined anchor "x"."##,
            ),
        ],
        &FuncContext::default(),
    );
}

/// YAML syntax errors come from a different parser than Terraform's, so
/// their wording and positions differ (Terraform fails on each of these too).
#[test]
fn yaml_syntax_errors() {
    table::run(
        &[
            (
                "yamldecode",
                r##"["a: -\n"]"##,
                r##"!on line 1, column 4: block sequence entries are not allowed in this context."##,
            ),
            (
                "yamldecode",
                r##"["---\na: 1\n---\nb: 2"]"##,
                r##"!on line 3, column 1: unexpected extra content after value."##,
            ),
            (
                "yamldecode",
                r##"["a: [1\n"]"##,
                r##"!on line 2, column 1: while parsing a flow sequence, expected ',' or ']'."##,
            ),
            (
                "yamldecode",
                r##"["# only a comment\n"]"##,
                r##"!on line 1, column 1: missing start of document."##,
            ),
        ],
        &FuncContext::default(),
    );
}

#[test]
fn encoding_types_marks_and_unknowns() {
    table::run(
        &[
            (
                "csvdecode",
                r##"["a,b\n1,2"]"##,
                r##"#{"$t":"list","v":[{"a":"1","b":"2"}]}"##,
            ),
            ("csvdecode", r##"["a,b"]"##, r##"#{"$t":"list","v":[]}"##),
            (
                "jsondecode",
                r##"["[1,{\"a\":[]}]"]"##,
                r##"#[1,{"a":[]}]"##,
            ),
            ("yamldecode", r##"["[1, {a: []}]"]"##, r##"#[1,{"a":[]}]"##),
            (
                "base64decode",
                r##"[{"$t":"sensitive","v":"SGk="}]"##,
                r##"#{"$t":"sensitive","v":"Hi"}"##,
            ),
            (
                "base64decode",
                r##"[{"$t":"sensitive","v":"!!"}]"##,
                r##"!failed to decode base64 data (sensitive value)."##,
            ),
            (
                "jsonencode",
                r##"[{"a": {"$t":"sensitive","v":1}}]"##,
                r##"#{"$t":"sensitive","v":"{\"a\":1}"}"##,
            ),
            (
                "jsonencode",
                r##"[{"a": {"$t":"unknown","type":"string"}}]"##,
                r##"#{"$t":"unknown","type":"string"}"##,
            ),
            (
                "yamlencode",
                r##"[[{"$t":"unknown","type":"number"}]]"##,
                r##"#{"$t":"unknown","type":"string"}"##,
            ),
            (
                "yamlencode",
                r##"[{"$t":"sensitive","v":"x"}]"##,
                r##"#{"$t":"sensitive","v":"\"x\"\n"}"##,
            ),
            (
                "jsondecode",
                r##"[{"$t":"unknown","type":"string"}]"##,
                r##"#{"$t":"unknown","type":"dynamic"}"##,
            ),
            (
                "csvdecode",
                r##"[{"$t":"unknown","type":"string"}]"##,
                r##"#{"$t":"unknown","type":"dynamic"}"##,
            ),
            (
                "urlencode",
                r##"[{"$t":"sensitive","v":"a b"}]"##,
                r##"#{"$t":"sensitive","v":"a+b"}"##,
            ),
            (
                "textencodebase64",
                r##"["x", {"$t":"unknown","type":"string"}]"##,
                r##"#{"$t":"unknown","type":"string"}"##,
            ),
            (
                "base64encode",
                r##"[null]"##,
                r##"!Invalid value for "str" parameter: argument must not be null."##,
            ),
        ],
        &FuncContext::default(),
    );
}

/// `base64gzip` matches Terraform byte for byte on short inputs; on longer
/// ones the compressor may choose different (equally valid) blocks, so check
/// that the result decompresses to the input.
#[test]
fn base64gzip_round_trips() {
    use base64::Engine as _;
    use std::io::Read as _;
    for input in [
        "",
        "x",
        &"The quick brown fox jumps over the lazy dog. ".repeat(50),
        &"a".repeat(100_000),
    ] {
        let out =
            gitform_functions::call("base64gzip", vec![input.into()], &FuncContext::default())
                .unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(out.as_str().unwrap())
            .unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, input);
    }
}
