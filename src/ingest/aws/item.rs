//! DynamoDB items → records (docs/formats.md §0, §3): an item with a type and a data
//! field is an event; any other item is the state of `<table>/<k1>=<v1>[,<k2>=<v2>]`.

use serde_json::Value;

use super::attr::{self, Converted};
use crate::ingest::mapping::{DATA, TYPE};
use crate::ingest::{RecordsMode, SourceConfig};
use crate::model::{Kind, Record};

/// Hash-key names tried when the key is not known (docs/formats.md §3), then range keys.
const HASH_KEYS: &[&str] = &["pk", "PK", "id", "Id"];
const RANGE_KEYS: &[&str] = &["sk", "SK"];

/// Is this item an event (by `--records` or, in auto mode, by its fields)?
pub fn is_event(item: &Converted, cfg: &SourceConfig) -> bool {
    match cfg.records {
        RecordsMode::Events => true,
        RecordsMode::States => false,
        RecordsMode::Auto => {
            let f = &cfg.mapper.fields;
            let named = |over: &Option<Vec<String>>, names: &[&str]| match over.as_ref().and_then(|t| t.first()) {
                Some(first) => item.has(first),
                None => names.iter().any(|n| item.has(n)),
            };
            named(&f.ty, TYPE) && named(&f.data, DATA)
        }
    }
}

/// The table name in a table or stream ARN (`arn:aws:dynamodb:…:table/NAME[/stream/…]`).
pub fn table_from_arn(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":table/")?.1;
    let name = rest.split('/').next()?;
    (!name.is_empty()).then_some(name)
}

/// The key attribute names of an item whose key schema is not given: `--key`, else
/// the first of `pk`/`PK`/`id`/`Id` plus `sk`/`SK`.
pub fn guess_key(item: &Converted, cfg: &SourceConfig) -> Result<Vec<String>, String> {
    if !cfg.key.is_empty() {
        return Ok(cfg.key.clone());
    }
    let mut names = Vec::with_capacity(2);
    if let Some(h) = HASH_KEYS.iter().find(|n| item.has(n)) {
        names.push(h.to_string());
        if let Some(r) = RANGE_KEYS.iter().find(|n| item.has(n)) {
            names.push(r.to_string());
        }
        return Ok(names);
    }
    Err("no key attribute (tried pk, PK, id, Id): name the key attributes with --key a,b".into())
}

/// Order the attributes of a `Keys` object: `--key` order when given, else the hash
/// key names above first, range key names last, any other names alphabetically in
/// between, so one item gets the same stream from an export and from a stream.
pub fn order_keys(keys: &mut [(String, Value)], cfg: &SourceConfig) {
    let rank = |name: &str| -> (usize, usize) {
        if let Some(i) = cfg.key.iter().position(|k| k == name) {
            return (0, i);
        }
        if let Some(i) = HASH_KEYS.iter().position(|k| *k == name) {
            return (1, i);
        }
        if let Some(i) = RANGE_KEYS.iter().position(|k| *k == name) {
            return (3, i);
        }
        (2, 0)
    };
    keys.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then_with(|| a.0.cmp(&b.0)));
}

/// `<table>/<k1>=<v1>[,<k2>=<v2>]`.
pub fn stream_name(table: &str, keys: &[(String, Value)]) -> String {
    let mut s = String::with_capacity(table.len() + 32);
    s.push_str(table);
    s.push('/');
    for (i, (k, v)) in keys.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(&attr::key_text(v));
    }
    s
}

/// The values of `names` in `item`, in that order.
pub fn key_values(item: &Converted, names: &[String]) -> Result<Vec<(String, Value)>, String> {
    names
        .iter()
        .map(|n| {
            let text = item.member(n).ok_or_else(|| {
                format!(
                    "item has no key attribute {} (name the key attributes with --key a,b)",
                    crate::sanitize::quote(n)
                )
            })?;
            let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            Ok((n.clone(), v))
        })
        .collect()
}

/// Convert a `Keys` object (DynamoDB JSON) to ordered (name, value) pairs.
pub fn keys_of(keys_json: &str, cfg: &SourceConfig) -> Result<Vec<(String, Value)>, String> {
    let plain = attr::item_to_json(keys_json).map_err(|e| format!("Keys: {e}"))?;
    let Value::Object(map) = serde_json::from_str::<Value>(&plain).map_err(|e| e.to_string())? else {
        return Err("Keys: expected an object".into());
    };
    let mut keys: Vec<(String, Value)> = map.into_iter().collect();
    order_keys(&mut keys, cfg);
    Ok(keys)
}

/// An event item mapped by docs/model.md §1; `time` fills in when the item has none.
pub fn event_record(item: &Converted, cfg: &SourceConfig, index: u64, time: Option<i64>) -> Result<Record, String> {
    let mut r = cfg.mapper.map_top(&item.top(), item.json.len(), 0, index)?;
    if r.time.is_none() {
        r.time = time;
    }
    Ok(r)
}

/// A state item: an image of its key's stream.
pub fn image_record(stream: String, ty: &str, data: String, time: Option<i64>) -> Record {
    Record {
        stream,
        ty: ty.to_string(),
        time,
        kind: Kind::Image,
        data,
        ..Record::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::mapping::Mapper;
    use crate::rules::FieldOverrides;

    fn cfg(key: &[&str]) -> SourceConfig {
        SourceConfig {
            mapper: Mapper {
                fields: FieldOverrides::default(),
                input_name: "t".into(),
            },
            records: RecordsMode::Auto,
            key: key.iter().map(|s| s.to_string()).collect(),
            system_streams: false,
            filter: Default::default(),
        }
    }

    #[test]
    fn keys_order_the_same_whatever_the_source_order() {
        let k = keys_of(r#"{"sk":{"N":"2"},"agent":{"S":"a"},"pk":{"S":"p"}}"#, &cfg(&[])).expect("keys");
        assert_eq!(stream_name("T", &k), "T/pk=p,agent=a,sk=2");
        let k = keys_of(r#"{"sk":{"N":"2"},"agent":{"S":"a"}}"#, &cfg(&["agent", "sk"])).expect("keys");
        assert_eq!(stream_name("T", &k), "T/agent=a,sk=2");
    }

    #[test]
    fn events_have_type_and_data() {
        let ev = attr::convert_item(r#"{"type":{"S":"X"},"data":{"M":{}}}"#).expect("item");
        let st = attr::convert_item(r#"{"type":{"S":"X"},"pk":{"S":"p"}}"#).expect("item");
        assert!(is_event(&ev, &cfg(&[])));
        assert!(!is_event(&st, &cfg(&[])));
        assert_eq!(guess_key(&st, &cfg(&[])).expect("key"), vec!["pk".to_string()]);
        assert!(guess_key(&ev, &cfg(&[])).is_err());
        assert_eq!(
            table_from_arn("arn:aws:dynamodb:us-east-1:1:table/T/stream/2015"),
            Some("T")
        );
        assert_eq!(table_from_arn("eventsource_arn"), None);
    }
}
