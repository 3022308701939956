//! AWS envelopes: DynamoDB export data files, Streams records, Kinesis records
//! (KPL included), Firehose objects; as single records and as whole files. The
//! first byte picks the decoder.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rewind::ingest::Format;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = rewind_fuzz::split(data, 8) else {
        return;
    };
    let cfg = rewind_fuzz::config();
    let text = std::str::from_utf8(rest);
    match which {
        0 => text.map(|t| rewind::fuzzing::kinesis_record(t, &cfg)).unwrap_or(()),
        1 => text.map(|t| rewind::fuzzing::stream_record(t, &cfg)).unwrap_or(()),
        2 => rewind::fuzzing::payload(rest, &cfg),
        3 => rewind_fuzz::drain(
            &rewind_fuzz::write("export/data/a.json", rest),
            Some(Format::DynamodbExport),
        ),
        4 => rewind_fuzz::drain(&rewind_fuzz::write("streams.json", rest), Some(Format::DynamodbStream)),
        5 => rewind_fuzz::drain(&rewind_fuzz::write("kinesis.json", rest), Some(Format::Kinesis)),
        6 => rewind_fuzz::drain(
            &rewind_fuzz::write("firehose/2024/01/02/03/s-1-2024-01-02-03-04-05-x", rest),
            Some(Format::Firehose),
        ),
        _ => {
            // An export folder whose file list is the input.
            let dir = rewind_fuzz::scratch().join("exp");
            rewind_fuzz::write(
                "exp/manifest-summary.json",
                br#"{"exportType":"FULL_EXPORT","outputFormat":"DYNAMODB_JSON","itemCount":2}"#,
            );
            rewind_fuzz::write("exp/manifest-files.json", rest);
            rewind_fuzz::write(
                "exp/data/a.json",
                b"{\"Item\":{\"pk\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n",
            );
            rewind_fuzz::drain(&dir, Some(Format::DynamodbExport));
        }
    }
});
