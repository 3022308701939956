//! Which columns of a Parquet schema play which part of an event (docs/model.md §1
//! names, or the rules file's `fields` overrides), and so which columns are read.

use arrow_schema::Schema;

use crate::ingest::mapping::{DATA, ID, META, SEQ, STREAM, TIME, TYPE};
use crate::rules::FieldOverrides;

/// The columns that map to the event's fields, by index into the file's schema.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles {
    pub stream: Option<usize>,
    pub time: Option<usize>,
    pub data: Option<usize>,
    pub meta: Option<usize>,
    /// Every column the mapping reads; `None` when the unmapped columns are the data.
    pub projection: Option<Vec<usize>>,
}

/// The column a field is taken from: the first of `names` the schema has, or the
/// override's first pointer token (the column; the rest points inside it).
fn column(schema: &Schema, over: &Option<Vec<String>>, names: &[&str]) -> Option<usize> {
    match over {
        Some(tokens) => tokens.first().and_then(|c| schema.index_of(c).ok()),
        None => names.iter().find_map(|n| schema.index_of(n).ok()),
    }
}

impl Roles {
    /// `partitions`: names of the Hive partition fields, which count as columns.
    pub fn of(schema: &Schema, f: &FieldOverrides, partitions: &[String]) -> Result<Roles, String> {
        let stream = column(schema, &f.stream, STREAM);
        let time = column(schema, &f.time, TIME);
        let named_by_partition = |over: &Option<Vec<String>>, names: &[&str]| match over {
            Some(t) => t.first().is_some_and(|c| partitions.contains(c)),
            None => names.iter().any(|n| partitions.iter().any(|p| p == n)),
        };
        if stream.is_none()
            && time.is_none()
            && !named_by_partition(&f.stream, STREAM)
            && !named_by_partition(&f.time, TIME)
        {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(format!(
                "no column maps to the event's stream or time (its columns: {}); name them with \
                 the rules file's \"fields\" (docs/model.md §4)",
                names.join(", ")
            ));
        }
        let data = column(schema, &f.data, DATA);
        let meta = column(schema, &f.meta, META);
        let projection = data.map(|d| {
            let mut cols = vec![d];
            cols.extend(stream);
            cols.extend(time);
            cols.extend(meta);
            cols.extend(column(schema, &f.seq, SEQ));
            if f.seq.is_none() {
                cols.extend(schema.index_of("sk").ok());
            }
            cols.extend(column(schema, &f.id, ID));
            cols.extend(column(schema, &f.ty, TYPE));
            // rewind's own normalized form says how each record changes its state.
            cols.extend(schema.index_of("kind").ok());
            cols.sort_unstable();
            cols.dedup();
            cols
        });
        Ok(Roles {
            stream,
            time,
            data,
            meta,
            projection,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field};

    fn schema(names: &[&str]) -> Schema {
        Schema::new(
            names
                .iter()
                .map(|n| Field::new(*n, DataType::Utf8, true))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn projection_reads_the_mapped_columns_only() {
        let s = schema(&["aggregateId", "noise", "eventType", "payload", "ts", "blob"]);
        let r = Roles::of(&s, &FieldOverrides::default(), &[]).expect("roles");
        assert_eq!(r.projection, Some(vec![0, 2, 3, 4]));
        let s = schema(&["stream", "a", "b"]);
        let r = Roles::of(&s, &FieldOverrides::default(), &[]).expect("roles");
        assert_eq!(r.projection, None, "without a data column every column is data");
    }

    #[test]
    fn no_stream_or_time_names_the_columns() {
        let e = Roles::of(&schema(&["session", "at"]), &FieldOverrides::default(), &[]).expect_err("unmapped");
        assert!(e.contains("its columns: session, at"), "{e}");
        let f = FieldOverrides {
            stream: Some(vec!["session".into()]),
            ..Default::default()
        };
        assert!(Roles::of(&schema(&["session", "at"]), &f, &[]).is_ok());
    }
}
