//! IP network functions. Rows marked `=`/`!` were answered by Terraform
//! 1.11 (`terraform console`).

mod table;

use gitform_functions::FuncContext;

#[test]
fn network_against_terraform() {
    table::run(
        &[
            // cidrhost
            (
                "cidrhost",
                r#"["10.12.112.0/20", 16]"#,
                r#"="10.12.112.16""#,
            ),
            (
                "cidrhost",
                r#"["10.12.112.0/20", 268]"#,
                r#"="10.12.113.12""#,
            ),
            (
                "cidrhost",
                r#"["fd00:fd12:3456:7890:00a2::/72", 34]"#,
                r#"="fd00:fd12:3456:7890::22""#,
            ),
            ("cidrhost", r#"["10.1.2.240/28", 1]"#, r#"="10.1.2.241""#),
            ("cidrhost", r#"["10.1.2.240/28", 14]"#, r#"="10.1.2.254""#),
            ("cidrhost", r#"["10.0.0.0/8", -1]"#, r#"="10.255.255.255""#),
            (
                "cidrhost",
                r#"["10.0.0.0/8", 16777215]"#,
                r#"="10.255.255.255""#,
            ),
            (
                "cidrhost",
                r#"["10.0.0.0/8", 16777216]"#,
                r#"!prefix of 8 does not accommodate a host numbered 16777216."#,
            ),
            ("cidrhost", r#"["10.0.0.0/8", -16777216]"#, r#"="10.0.0.0""#),
            (
                "cidrhost",
                r#"["10.0.0.0/8", -16777217]"#,
                r#"!prefix of 8 does not accommodate a host numbered -1."#,
            ),
            (
                "cidrhost",
                r#"["10.0.0.0/8", 1.5]"#,
                r#"!value must be a whole number."#,
            ),
            (
                "cidrhost",
                r#"["10.0.0/8", 1]"#,
                r#"!invalid CIDR expression: invalid CIDR address: 10.0.0/8."#,
            ),
            ("cidrhost", r#"["10.0.0.5/8", 1]"#, r#"="10.0.0.1""#),
            (
                "cidrhost",
                r#"["10.0.0.0", 1]"#,
                r#"!invalid CIDR expression: invalid CIDR address: 10.0.0.0."#,
            ),
            ("cidrhost", r#"["010.0.0.0/8", 1]"#, r#"="10.0.0.1""#),
            (
                "cidrhost",
                r#"["::/0", 340282366920938463463374607431768211455]"#,
                r#"="ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff""#,
            ),
            (
                "cidrhost",
                r#"["::/0", -1]"#,
                r#"="ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff""#,
            ),
            ("cidrhost", r#"["fe80::/10", 65536]"#, r#"="fe80::1:0""#),
            ("cidrhost", r#"["192.168.1.0/32", 0]"#, r#"="192.168.1.0""#),
            (
                "cidrhost",
                r#"["192.168.1.0/32", 1]"#,
                r#"!prefix of 32 does not accommodate a host numbered 1."#,
            ),
            (
                "cidrhost",
                r#"["192.168.1.0/24", "5"]"#,
                r#"="192.168.1.5""#,
            ),
            ("cidrhost", r#"["2001:db8::/126", 3]"#, r#"="2001:db8::3""#),
            (
                "cidrhost",
                r#"["2001:db8::/126", 4]"#,
                r#"!prefix of 126 does not accommodate a host numbered 4."#,
            ),
            (
                "cidrhost",
                r#"["not a cidr", 1]"#,
                r#"!invalid CIDR expression: invalid CIDR address: not a cidr."#,
            ),
            (
                "cidrhost",
                r#"["10.0.0.0/33", 1]"#,
                r#"!invalid CIDR expression: invalid CIDR address: 10.0.0.0/33."#,
            ),
            // cidrnetmask
            ("cidrnetmask", r#"["172.16.0.0/12"]"#, r#"="255.240.0.0""#),
            ("cidrnetmask", r#"["10.0.0.0/0"]"#, r#"="0.0.0.0""#),
            ("cidrnetmask", r#"["10.0.0.0/32"]"#, r#"="255.255.255.255""#),
            ("cidrnetmask", r#"["10.0.0.0/23"]"#, r#"="255.255.254.0""#),
            (
                "cidrnetmask",
                r#"["::/64"]"#,
                r#"!IPv6 addresses cannot have a netmask: ::/64."#,
            ),
            (
                "cidrnetmask",
                r#"["10.0.0.0/33"]"#,
                r#"!invalid CIDR expression: invalid CIDR address: 10.0.0.0/33."#,
            ),
            (
                "cidrnetmask",
                r#"["10.0.0.0"]"#,
                r#"!invalid CIDR expression: invalid CIDR address: 10.0.0.0."#,
            ),
            // cidrsubnet
            (
                "cidrsubnet",
                r#"["172.16.0.0/12", 4, 2]"#,
                r#"="172.18.0.0/16""#,
            ),
            (
                "cidrsubnet",
                r#"["10.1.2.0/24", 4, 15]"#,
                r#"="10.1.2.240/28""#,
            ),
            (
                "cidrsubnet",
                r#"["fd00:fd12:3456:7890::/56", 16, 162]"#,
                r#"="fd00:fd12:3456:7800:a200::/72""#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0.0/8", 25, 0]"#,
                r#"!insufficient address space to extend prefix of 8 by 25."#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0.0/8", 24, 0]"#,
                r#"="10.0.0.0/32""#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0.0/8", 8, 256]"#,
                r#"!prefix extension of 8 does not accommodate a subnet numbered 256."#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0.0/8", 8, 255]"#,
                r#"="10.255.0.0/16""#,
            ),
            ("cidrsubnet", r#"["10.0.0.0/8", 8, -1]"#, r#"="0.1.0.0/16""#),
            ("cidrsubnet", r#"["10.0.0.0/8", 0, 0]"#, r#"="10.0.0.0/8""#),
            ("cidrsubnet", r#"["10.0.0.0/8", -1, 0]"#, r#"="10.0.0.0/7""#),
            ("cidrsubnet", r#"["::/0", 33, 0]"#, r#"="::/33""#),
            (
                "cidrsubnet",
                r#"["::/0", 32, 4294967295]"#,
                r#"="ffff:ffff::/32""#,
            ),
            ("cidrsubnet", r#"["::/64", 64, 1]"#, r#"="::1/128""#),
            (
                "cidrsubnet",
                r#"["10.1.2.3/16", 8, 1]"#,
                r#"="10.1.1.0/24""#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0.0/8", 1.5, 0]"#,
                r#"!value must be a whole number, between -9223372036854775808 and 9223372036854775807."#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0.0/8", 4, 1.5]"#,
                r#"!value must be a whole number."#,
            ),
            (
                "cidrsubnet",
                r#"["10.0.0/8", 4, 1]"#,
                r#"!invalid CIDR expression: invalid CIDR address: 10.0.0/8."#,
            ),
            (
                "cidrsubnet",
                r#"["2001:db8::/32", 96, 0]"#,
                r#"="2001:db8::/128""#,
            ),
            (
                "cidrsubnet",
                r#"["2001:db8::/32", 97, 0]"#,
                r#"!insufficient address space to extend prefix of 32 by 97."#,
            ),
            // cidrsubnets
            (
                "cidrsubnets",
                r#"["10.1.0.0/16", 4, 4, 8, 4]"#,
                r#"=["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24","10.1.48.0/20"]"#,
            ),
            (
                "cidrsubnets",
                r#"["fd00:fd12:3456:7890::/56", 16, 16, 16, 32]"#,
                r#"=["fd00:fd12:3456:7800::/72","fd00:fd12:3456:7800:100::/72","fd00:fd12:3456:7800:200::/72","fd00:fd12:3456:7800:300::/88"]"#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 25]"#,
                r#"!Invalid value for "newbits" parameter: would extend prefix to 33 bits, which is too long for an IPv4 address."#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 8, 0]"#,
                r#"!Invalid value for "newbits" parameter: must extend prefix by at least one bit."#,
            ),
            ("cidrsubnets", r#"["10.0.0.0/8"]"#, r#"=[]"#),
            (
                "cidrsubnets",
                r#"["10.0.0.0/30", 1, 1, 1]"#,
                r#"!Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of 31 bits after 10.0.0.2/31."#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/30", 1, 1]"#,
                r#"=["10.0.0.0/31","10.0.0.2/31"]"#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 4, 8, 4, 2]"#,
                r#"=["10.0.0.0/12","10.16.0.0/16","10.32.0.0/12","10.64.0.0/10"]"#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 8, -1]"#,
                r#"!Invalid value for "newbits" parameter: must extend prefix by at least one bit."#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 1.5]"#,
                r#"!Invalid value for "newbits" parameter: value must be a whole number, between -9223372036854775808 and 9223372036854775807."#,
            ),
            (
                "cidrsubnets",
                r#"["::/0", 33]"#,
                r#"!Invalid value for "newbits" parameter: may not extend prefix by more than 32 bits."#,
            ),
            (
                "cidrsubnets",
                r#"["::/64", 65]"#,
                r#"!Invalid value for "newbits" parameter: may not extend prefix by more than 32 bits."#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0/8", 1]"#,
                r#"!Invalid value for "prefix" parameter: invalid CIDR expression: invalid CIDR address: 10.0.0/8."#,
            ),
            (
                "cidrsubnets",
                r#"["0.0.0.0/0", 1, 1]"#,
                r#"!Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of 1 bits after 128.0.0.0/1."#,
            ),
            (
                "cidrsubnets",
                r#"["255.255.255.0/24", 1, 1]"#,
                r#"=["255.255.255.0/25","255.255.255.128/25"]"#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/24", 2, 1, 2]"#,
                r#"!Invalid value for "newbits" parameter: not enough remaining address space for a subnet with a prefix of 26 bits after 10.0.0.128/25."#,
            ),
        ],
        &FuncContext::default(),
    );
}

#[test]
fn network_types_marks_and_unknowns() {
    table::run(
        &[
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 8]"#,
                r#"#{"$t":"list","v":["10.0.0.0/16"]}"#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8"]"#,
                r#"#{"$t":"list","v":[]}"#,
            ),
            (
                "cidrhost",
                r#"[{"$t":"sensitive","v":"10.0.0.0/8"}, 1]"#,
                r#"#{"$t":"sensitive","v":"10.0.0.1"}"#,
            ),
            (
                "cidrhost",
                r#"["10.0.0.0/8", {"$t":"unknown","type":"number"}]"#,
                r#"#{"$t":"unknown","type":"string"}"#,
            ),
            (
                "cidrsubnets",
                r#"["10.0.0.0/8", 8, {"$t":"unknown","type":"number"}]"#,
                r#"#{"$t":"unknown","type":["list","string"]}"#,
            ),
            (
                "cidrnetmask",
                r#"[null]"#,
                r#"!Invalid value for "prefix" parameter: argument must not be null."#,
            ),
        ],
        &FuncContext::default(),
    );
}
