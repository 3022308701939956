//! Parsing an object-store URL into its store, bucket and key prefix.

use anyhow::{bail, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    S3,
    Azure,
    Gcs,
}

impl Scheme {
    /// The store of a URL, from its scheme (`s3a://` and `azure://` too).
    pub fn of(url: &str) -> Option<Scheme> {
        let (scheme, _) = url.split_once("://")?;
        match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" => Some(Scheme::S3),
            "az" | "azure" | "abfs" | "abfss" | "adl" => Some(Scheme::Azure),
            "gs" => Some(Scheme::Gcs),
            _ => None,
        }
    }

    pub fn dir(self) -> &'static str {
        match self {
            Scheme::S3 => "s3",
            Scheme::Azure => "az",
            Scheme::Gcs => "gs",
        }
    }
}

/// One input URL: where it lives and which keys it names.
#[derive(Debug, Clone)]
pub struct Remote {
    pub url: String,
    pub scheme: Scheme,
    /// Bucket (S3, GCS) or container (Azure; `container@account` for `abfss://`).
    pub bucket: String,
    /// The key prefix, without a leading or trailing `/`; empty for the whole bucket.
    pub prefix: String,
}

impl Remote {
    pub fn parse(url: &str) -> Result<Remote> {
        let Some(scheme) = Scheme::of(url) else {
            bail!("{url}: not an object-store URL (s3://, az://, abfss://, gs://)");
        };
        let rest = url.split_once("://").map_or("", |(_, r)| r);
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        // abfss://container@account.dfs.core.windows.net/path
        let bucket = match authority.split_once('@') {
            Some((container, host)) => format!("{container}@{}", host.split('.').next().unwrap_or(host)),
            None => authority.to_string(),
        };
        if bucket.is_empty() {
            bail!("{url}: no bucket or container in the URL");
        }
        let prefix = path.trim_matches('/').to_string();
        for part in prefix.split('/').filter(|p| !p.is_empty()) {
            if part == "." || part == ".." {
                bail!("{url}: `{part}` is not a key segment rewind can mirror");
            }
        }
        Ok(Remote {
            url: url.to_string(),
            scheme,
            bucket,
            prefix,
        })
    }

    /// The container of an Azure URL, without the account.
    pub fn container(&self) -> &str {
        self.bucket.split('@').next().unwrap_or(&self.bucket)
    }

    /// `scheme://bucket`, as messages name the store.
    pub fn store_name(&self) -> String {
        let scheme = self.url.split("://").next().unwrap_or("");
        format!(
            "{scheme}://{}",
            self.url
                .split("://")
                .nth(1)
                .and_then(|r| r.split('/').next())
                .unwrap_or(&self.bucket)
        )
    }

    /// The URL of the input's root (its prefix), as the mirror is shown.
    pub fn shown_root(&self) -> String {
        match self.prefix.is_empty() {
            true => self.store_name(),
            false => format!("{}/{}", self.store_name(), self.prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_url_forms() {
        let r = Remote::parse("s3://lake/firehose/2026/").expect("parses");
        assert_eq!(
            (r.scheme, r.bucket.as_str(), r.prefix.as_str()),
            (Scheme::S3, "lake", "firehose/2026")
        );
        let r = Remote::parse("abfss://capture@acct.dfs.core.windows.net/ns/hub").expect("parses");
        assert_eq!(
            (r.scheme, r.bucket.as_str(), r.container()),
            (Scheme::Azure, "capture@acct", "capture")
        );
        assert_eq!(r.shown_root(), "abfss://capture@acct.dfs.core.windows.net/ns/hub");
        assert_eq!(Remote::parse("gs://b").expect("parses").shown_root(), "gs://b");
        assert!(Remote::parse("s3://b/a/../c").is_err());
        assert!(Remote::parse("s3:///key").is_err());
        assert!(Scheme::of("postgres://h/db").is_none());
    }
}
