//! Date and time functions. Rows marked `=`/`!` were answered by
//! Terraform 1.11 (`terraform console`).

mod table;

use gitform_functions::FuncContext;

#[test]
fn datetime_against_terraform() {
    table::run(
        &[
            // formatdate
            (
                "formatdate",
                r#"["DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z"]"#,
                r#"="02 Jan 2018 23:12 UTC""#,
            ),
            (
                "formatdate",
                r#"["EEEE, DD-MMM-YY hh:mm:ss ZZZ", "2018-01-02T23:12:01Z"]"#,
                r#"="Tuesday, 02-Jan-18 23:12:01 UTC""#,
            ),
            (
                "formatdate",
                r#"["EEE, DD MMM YYYY hh:mm:ss ZZZ", "2018-01-02T23:12:01-08:00"]"#,
                r#"="Tue, 02 Jan 2018 23:12:01 -0800""#,
            ),
            (
                "formatdate",
                r#"["MMM DD, YYYY", "2018-01-02T23:12:01Z"]"#,
                r#"="Jan 02, 2018""#,
            ),
            (
                "formatdate",
                r#"["HH:mmaa", "2018-01-02T23:12:01Z"]"#,
                r#"="11:12pm""#,
            ),
            (
                "formatdate",
                r#"["h'h'mm", "2018-01-02T23:12:01-08:00"]"#,
                r#"="23h12""#,
            ),
            (
                "formatdate",
                r#"["H 'o''clock'", "2018-01-02T23:12:01-08:00"]"#,
                r#"="11 o'clock""#,
            ),
            (
                "formatdate",
                r#"["YYYY YY MMMM MMM MM M DD D EEEE EEE hh h HH H mm m ss s AA aa ZZZZZ ZZZZ ZZZ Z", "2018-01-02T15:04:05.678-08:30"]"#,
                r#"="2018 18 January Jan 01 1 02 2 Tuesday Tue 15 15 03 3 04 4 05 5 PM pm -08:30 -0830 -0830 -08:30""#,
            ),
            (
                "formatdate",
                r#"["YYYY YY MMMM MMM MM M DD D EEEE EEE hh h HH H mm m ss s AA aa ZZZZZ ZZZZ ZZZ Z", "0005-11-22T00:00:00Z"]"#,
                r#"="0005 05 November Nov 11 11 22 22 Tuesday Tue 00 0 12 12 00 0 00 0 AM am +00:00 +0000 UTC Z""#,
            ),
            (
                "formatdate",
                r#"["H AA", "2018-01-02T00:04:05Z"]"#,
                r#"="12 AM""#,
            ),
            (
                "formatdate",
                r#"["H AA", "2018-01-02T12:04:05Z"]"#,
                r#"="12 PM""#,
            ),
            (
                "formatdate",
                r#"["ZZZZZ Z ZZZ", "2018-01-02T03:04:05+00:00"]"#,
                r#"="+00:00 Z UTC""#,
            ),
            (
                "formatdate",
                r#"["ZZZ", "2018-01-02T03:04:05-00:00"]"#,
                r#"="UTC""#,
            ),
            (
                "formatdate",
                r#"["hh:mm 'a''b'", "2018-01-02T15:04:05Z"]"#,
                r#"="15:04 a'b""#,
            ),
            ("formatdate", r#"["''", "2018-01-02T15:04:05Z"]"#, r#"="'""#),
            (
                "formatdate",
                r#"["é日 - / : ,.", "2018-01-02T03:04:05Z"]"#,
                r#"="é日 - / : ,.""#,
            ),
            ("formatdate", r#"["", "2018-01-02T03:04:05Z"]"#, r#"="""#),
            (
                "formatdate",
                r#"["EEEE", "2024-02-29T03:04:05Z"]"#,
                r#"="Thursday""#,
            ),
            (
                "formatdate",
                r#"["ss", "2018-01-02T03:04:05.999999999999Z"]"#,
                r#"="05""#,
            ),
            (
                "formatdate",
                r#"["YYYY", "0000-01-02T03:04:05Z"]"#,
                r#"="0000""#,
            ),
            (
                "formatdate",
                r#"["ZZ", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "ZZ": timezone must be Z, ZZZZ, or ZZZZZ."#,
            ),
            (
                "formatdate",
                r#"["ZZZZZZ", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "ZZZZZZ": timezone must be Z, ZZZZ, or ZZZZZ."#,
            ),
            (
                "formatdate",
                r#"["YYYYY", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "YYYYY": year must either be "YY" or "YYYY"."#,
            ),
            (
                "formatdate",
                r#"["Y", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "Y": year must either be "YY" or "YYYY"."#,
            ),
            (
                "formatdate",
                r#"["MMMMM", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "MMMMM": month must be "M", "MM", "MMM", or "MMMM"."#,
            ),
            (
                "formatdate",
                r#"["x", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "x"."#,
            ),
            (
                "formatdate",
                r#"["'unterminated", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: unterminated literal '."#,
            ),
            (
                "formatdate",
                r#"["EE", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "EE": day of week must either be "EEE" or "EEEE"."#,
            ),
            (
                "formatdate",
                r#"["a", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "a": must be "aa"."#,
            ),
            (
                "formatdate",
                r#"["AAA", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "AAA": must be "AA"."#,
            ),
            (
                "formatdate",
                r#"["sss", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "sss": second must either be "s" or "ss"."#,
            ),
            (
                "formatdate",
                r#"["DDD", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "DDD": day of month must either be "D" or "DD"."#,
            ),
            (
                "formatdate",
                r#"["hhh", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "hhh": 24-hour must either be "h" or "hh"."#,
            ),
            (
                "formatdate",
                r#"["HHH", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "HHH": 12-hour must either be "H" or "HH"."#,
            ),
            (
                "formatdate",
                r#"["mmm", "2018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "format" parameter: invalid date format verb "mmm": minute must either be "m" or "mm"."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: end of string before UTC offset."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02 03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: missing required time introducer 'T'."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-13-02T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "-02T03:04:05Z" as month."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-00-02T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "-02T03:04:05Z" as month."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-1-02T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "1-02T03:04:05Z" as month."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "z" as UTC offset."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-02-30T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: day out of range."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-00T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: day out of range."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T24:00:00Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: hour must be between 0 and 23 inclusive."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T3:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: hour must have exactly two digits."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:60:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: minute must have exactly two digits."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:5Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "5Z" as second."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T23:59:60Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "Z" as second."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05Zx"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "x" as timestamp segment."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05+05:00x"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "x" as timestamp segment."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05+05:60"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "+05:60" as UTC offset."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05+24:00"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "+24:00" as UTC offset."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05+0500"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "+0500" as UTC offset."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05.Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use ".Z" as UTC offset."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04:05,5Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "," as timestamp segment."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "201a-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: cannot use "201a-01-02T03:04:05Z" as year."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "12018-01-02T03:04:05Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: found "8-01-02T03:04:05Z" where "-" is expected."#,
            ),
            (
                "formatdate",
                r#"["YYYY", ""]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: end of string before year."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: end of string where "-" is expected."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: end of string where ":" is expected."#,
            ),
            (
                "formatdate",
                r#"["YYYY", "2018-01-02T03:04Z"]"#,
                r#"!Invalid value for "time" parameter: not a valid RFC3339 timestamp: found "Z" where ":" is expected."#,
            ),
            // timeadd
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "10m"]"#,
                r#"="2017-11-22T00:10:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "1d"]"#,
                r#"!time: unknown unit "d" in duration "1d"."#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "1"]"#,
                r#"!time: missing unit in duration "1"."#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", ""]"#,
                r#"!time: invalid duration ""."#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "0"]"#,
                r#"="2017-11-22T00:00:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "1.5h"]"#,
                r#"="2017-11-22T01:30:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00.5Z", "-10s"]"#,
                r#"="2017-11-21T23:59:50Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00-08:00", "1h30m"]"#,
                r#"="2017-11-22T01:30:00-08:00""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "1h-30m"]"#,
                r#"!time: unknown unit "h-" in duration "1h-30m"."#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", ".5s"]"#,
                r#"="2017-11-22T00:00:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "1.s"]"#,
                r#"="2017-11-22T00:00:01Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "+1us"]"#,
                r#"="2017-11-22T00:00:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "1µs1ns"]"#,
                r#"="2017-11-22T00:00:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "3000000h"]"#,
                r#"!time: invalid duration "3000000h"."#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "-9999999999h"]"#,
                r#"!time: invalid duration "-9999999999h"."#,
            ),
            (
                "timeadd",
                r#"["x", "1h"]"#,
                r#"!not a valid RFC3339 timestamp: cannot use "x" as year."#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", " 1h"]"#,
                r#"!time: invalid duration " 1h"."#,
            ),
            (
                "timeadd",
                r#"["2017-12-31T23:30:00+05:30", "1h"]"#,
                r#"="2018-01-01T00:30:00+05:30""#,
            ),
            (
                "timeadd",
                r#"["2016-02-28T12:00:00Z", "24h"]"#,
                r#"="2016-02-29T12:00:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00Z", "-2562047h"]"#,
                r#"="1725-08-13T01:00:00Z""#,
            ),
            (
                "timeadd",
                r#"["2017-11-22T00:00:00.123456789Z", "1ns"]"#,
                r#"="2017-11-22T00:00:00Z""#,
            ),
            // timecmp
            (
                "timecmp",
                r#"["2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z"]"#,
                r#"=0"#,
            ),
            (
                "timecmp",
                r#"["2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z"]"#,
                r#"=-1"#,
            ),
            (
                "timecmp",
                r#"["2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z"]"#,
                r#"=1"#,
            ),
            (
                "timecmp",
                r#"["2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00"]"#,
                r#"=0"#,
            ),
            (
                "timecmp",
                r#"["2017-11-22T00:00:00.1Z", "2017-11-22T00:00:00Z"]"#,
                r#"=1"#,
            ),
            (
                "timecmp",
                r#"["x", "2017-11-22T00:00:00Z"]"#,
                r#"!Invalid value for "timestamp_a" parameter: not a valid RFC3339 timestamp: cannot use "x" as year."#,
            ),
            (
                "timecmp",
                r#"["2017-11-22T00:00:00Z", "x"]"#,
                r#"!Invalid value for "timestamp_b" parameter: not a valid RFC3339 timestamp: cannot use "x" as year."#,
            ),
        ],
        &FuncContext::default(),
    );
}

#[test]
fn datetime_current_time_marks_and_unknowns() {
    let rfc3339_utc = r#"~^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"#;
    table::run(
        &[
            ("timestamp", "[]", rfc3339_utc),
            ("plantimestamp", "[]", rfc3339_utc),
            (
                "timestamp",
                r#"["x"]"#,
                r#"!Function "timestamp" expects 0 arguments, but 1 were given."#,
            ),
            (
                "formatdate",
                r#"["YYYY", {"$t":"sensitive","v":"2018-01-02T03:04:05Z"}]"#,
                r#"#{"$t":"sensitive","v":"2018"}"#,
            ),
            (
                "formatdate",
                r#"["YYYY", {"$t":"unknown","type":"string"}]"#,
                r#"#{"$t":"unknown","type":"string"}"#,
            ),
            (
                "timecmp",
                r#"[{"$t":"unknown","type":"string"}, "x"]"#,
                r#"#{"$t":"unknown","type":"number"}"#,
            ),
            (
                "timeadd",
                r#"[null, "1h"]"#,
                r#"!Invalid value for "timestamp" parameter: argument must not be null."#,
            ),
        ],
        &FuncContext::default(),
    );
}
