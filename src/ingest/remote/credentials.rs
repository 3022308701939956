//! The store of a URL, built from each cloud's standard credential chain, and
//! errors that say which chain was tried.

use std::env::var;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Error, Result};
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::{ClientOptions, ObjectStore, RetryConfig};

use super::url::{Remote, Scheme};

fn set(name: &str) -> bool {
    var(name).is_ok_and(|v| !v.is_empty())
}

/// Few, short retries: a store that went away fails the import in seconds.
fn retry() -> RetryConfig {
    RetryConfig {
        max_retries: 2,
        retry_timeout: Duration::from_secs(20),
        ..RetryConfig::default()
    }
}

fn client(endpoint: Option<String>) -> ClientOptions {
    ClientOptions::new()
        .with_connect_timeout(Duration::from_secs(10))
        .with_timeout(Duration::from_secs(300))
        .with_allow_http(endpoint.is_some_and(|e| e.starts_with("http://")))
}

/// The chain each store tries, in order, as messages name it.
fn chain(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::S3 => "env (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), profile (~/.aws/credentials, AWS_PROFILE), IMDS",
        Scheme::Azure => "env (AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_CLIENT_ID/AZURE_CLIENT_SECRET/AZURE_TENANT_ID), emulator (AZURE_STORAGE_USE_EMULATOR), Azure CLI (az account get-access-token), managed identity (IMDS)",
        Scheme::Gcs => "service account (GOOGLE_SERVICE_ACCOUNT, GOOGLE_SERVICE_ACCOUNT_KEY), GOOGLE_APPLICATION_CREDENTIALS, gcloud application default credentials (application_default_credentials.json under CLOUDSDK_CONFIG or ~/.config/gcloud), metadata server (GCE_METADATA_HOST)",
    }
}

fn no_credentials(remote: &Remote, why: &str) -> Error {
    anyhow!(
        "no credentials for {}: tried {}: {why}",
        remote.store_name(),
        chain(remote.scheme)
    )
}

/// Where a request went that fetches credentials, not data: the EC2, ECS,
/// Azure and Google metadata services and OAuth token endpoints.
const CREDENTIAL_ENDPOINTS: [&str; 6] = [
    "/latest/api/token",
    "/latest/meta-data/",
    "/computemetadata/",
    "/oauth2/",
    "/metadata/identity/",
    "169.254.170.2",
];

/// True when `e` says the store refused the caller or no credentials could be
/// had. A URL counts only by its host and path, and other words are matched
/// as phrases: a port, a timing, a query or a key such as `table/metadata/…`
/// must not read as an authentication failure.
fn refused(e: &Error, text: &str) -> bool {
    let status = e.chain().any(|c| {
        matches!(
            c.downcast_ref::<object_store::Error>(),
            Some(object_store::Error::Unauthenticated { .. } | object_store::Error::PermissionDenied { .. })
        )
    });
    let lower = text.to_ascii_lowercase();
    let (urls, words): (Vec<&str>, Vec<&str>) = lower.split_whitespace().partition(|w| w.contains("://"));
    let endpoint = urls.iter().any(|u| {
        let path = u.split(['?', '#']).next().unwrap_or(u);
        CREDENTIAL_ENDPOINTS.iter().any(|m| path.contains(m))
    });
    let words = words.join(" ");
    let phrase = [
        "credential",
        "unauthenticated",
        "unauthorized",
        "forbidden",
        "status code: 401",
        "status code: 403",
        "accessdenied",
        "metadata server",
        "token request",
        "token response",
        "security token",
        "sas token",
        "get-access-token",
    ]
    .iter()
    .any(|w| words.contains(w));
    status || endpoint || phrase
}

/// `e` and its causes, `: `-separated, each cause left out when the text so
/// far already says it (object_store's messages embed their sources).
fn said_once(e: &Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Turn a store's error into one that names the URL, and the chain tried when
/// the store refused or could not authenticate.
pub fn explain(remote: &Remote, e: Error) -> Error {
    let text = said_once(&e);
    if refused(&e, &text) {
        no_credentials(remote, &text)
    } else {
        e.context(remote.shown_root())
    }
}

/// The `[profile]` keys of ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE).
fn aws_profile() -> Option<(String, String, Option<String>)> {
    let file = match var("AWS_SHARED_CREDENTIALS_FILE") {
        Ok(f) if !f.is_empty() => std::path::PathBuf::from(f),
        _ => dirs::home_dir()?.join(".aws").join("credentials"),
    };
    let text = std::fs::read_to_string(file).ok()?;
    let want = var("AWS_PROFILE").unwrap_or_else(|_| "default".into());
    let mut section = String::new();
    let (mut id, mut secret, mut token) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        if section != want {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim().to_string();
            match k.trim() {
                "aws_access_key_id" => id = Some(v),
                "aws_secret_access_key" => secret = Some(v),
                "aws_session_token" => token = Some(v),
                _ => {}
            }
        }
    }
    Some((id?, secret?, token))
}

fn s3(remote: &Remote) -> Result<Arc<dyn ObjectStore>> {
    let endpoint = var("AWS_ENDPOINT_URL_S3").or_else(|_| var("AWS_ENDPOINT_URL")).ok();
    let mut b = AmazonS3Builder::from_env()
        .with_bucket_name(&remote.bucket)
        .with_retry(retry())
        .with_client_options(client(endpoint.clone()));
    if let Some(e) = &endpoint {
        b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
    }
    if var("AWS_REGION").is_err() && var("AWS_DEFAULT_REGION").is_err() {
        b = b.with_region("us-east-1");
    }
    let env = set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY");
    let other = set("AWS_WEB_IDENTITY_TOKEN_FILE") || set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    if !env && !other {
        match aws_profile() {
            Some((id, secret, token)) => {
                b = b.with_access_key_id(id).with_secret_access_key(secret);
                if let Some(t) = token {
                    b = b.with_token(t);
                }
            }
            None if var("AWS_EC2_METADATA_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true")) => {
                return Err(no_credentials(
                    remote,
                    "none set, and IMDS is off (AWS_EC2_METADATA_DISABLED)",
                ));
            }
            None => {}
        }
    }
    Ok(Arc::new(b.build().map_err(|e| no_credentials(remote, &e.to_string()))?))
}

fn azure(remote: &Remote) -> Result<Arc<dyn ObjectStore>> {
    let emulator = var("AZURE_STORAGE_USE_EMULATOR").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let mut b = MicrosoftAzureBuilder::from_env()
        .with_container_name(remote.container())
        .with_retry(retry())
        .with_client_options(client(var("AZURITE_BLOB_STORAGE_URL").ok().filter(|_| emulator)));
    if let Some((_, account)) = remote.bucket.split_once('@') {
        b = b.with_account(account);
    }
    let env = set("AZURE_STORAGE_ACCOUNT_KEY")
        || set("AZURE_STORAGE_ACCESS_KEY")
        || set("AZURE_STORAGE_SAS_TOKEN")
        || (set("AZURE_CLIENT_ID") && set("AZURE_CLIENT_SECRET") && set("AZURE_TENANT_ID"));
    if !env && !emulator && which("az") {
        b = b.with_use_azure_cli(true);
    }
    if !emulator && !remote.bucket.contains('@') && !set("AZURE_STORAGE_ACCOUNT_NAME") {
        bail!(
            "{}: no storage account: set AZURE_STORAGE_ACCOUNT_NAME or use abfss://container@account.dfs.core.windows.net/…",
            remote.url
        );
    }
    Ok(Arc::new(b.build().map_err(|e| no_credentials(remote, &e.to_string()))?))
}

/// The members of a Google credentials file rewind looks at: its type, and
/// the emulator fields object_store reads from a service-account key.
#[derive(serde::Deserialize)]
struct GoogleKey {
    #[serde(rename = "type")]
    kind: Option<String>,
    gcs_base_url: Option<String>,
}

fn google_key(remote: &Remote, from: &str, json: &str) -> Result<GoogleKey> {
    serde_json::from_str(json).map_err(|e| no_credentials(remote, &format!("{from}: not a credentials JSON file: {e}")))
}

/// The key file at `path`; `from` says where its name came from, as messages show it.
fn google_key_file(remote: &Remote, from: &str, path: &str) -> Result<GoogleKey> {
    let json = std::fs::read_to_string(path).map_err(|e| no_credentials(remote, &format!("{from}: {e}")))?;
    google_key(remote, from, &json)
}

/// gcloud's application default credentials file, where `gcloud auth
/// application-default login` writes it.
fn gcloud_adc() -> Option<std::path::PathBuf> {
    let dir = match var("CLOUDSDK_CONFIG") {
        Ok(d) if !d.is_empty() => std::path::PathBuf::from(d),
        _ => dirs::home_dir()?.join(".config").join("gcloud"),
    };
    Some(dir.join("application_default_credentials.json")).filter(|p| p.is_file())
}

/// Google's chain: a service account named to object_store, then application
/// default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's file), then
/// the metadata server. A service-account file found by ADC is handed over as
/// a service account, so its `gcs_base_url` and `disable_oauth` (an emulator)
/// count wherever the file was found.
fn gcs(remote: &Remote) -> Result<Arc<dyn ObjectStore>> {
    let mut b = GoogleCloudStorageBuilder::from_env()
        .with_bucket_name(&remote.bucket)
        .with_retry(retry());
    let mut base = var("GOOGLE_BASE_URL").ok().filter(|u| !u.is_empty());
    let named = [
        "GOOGLE_SERVICE_ACCOUNT",
        "GOOGLE_SERVICE_ACCOUNT_PATH",
        "SERVICE_ACCOUNT",
    ]
    .into_iter()
    .find_map(|n| var(n).ok().filter(|v| !v.is_empty()).map(|v| (n, v)));
    let key = if let Some((name, path)) = &named {
        Some(google_key_file(remote, &format!("{name}={path}"), path)?)
    } else if let Some(json) = var("GOOGLE_SERVICE_ACCOUNT_KEY").ok().filter(|v| !v.is_empty()) {
        Some(google_key(remote, "GOOGLE_SERVICE_ACCOUNT_KEY", &json)?)
    } else {
        let adc = match var("GOOGLE_APPLICATION_CREDENTIALS") {
            Ok(p) if !p.is_empty() => Some((format!("GOOGLE_APPLICATION_CREDENTIALS={p}"), p)),
            _ => gcloud_adc().map(|p| (p.display().to_string(), p.display().to_string())),
        };
        match adc {
            Some((from, path)) => {
                let key = google_key_file(remote, &from, &path)?;
                match key.kind.as_deref() {
                    None | Some("service_account") => b = b.with_service_account_path(&path),
                    Some("authorized_user") => b = b.with_application_credentials(&path),
                    Some(other) => {
                        return Err(no_credentials(
                            remote,
                            &format!("{from}: credentials of type `{other}` are not supported (service_account, authorized_user)"),
                        ))
                    }
                }
                Some(key)
            }
            None if var("NO_GCE_CHECK").is_ok_and(|v| v.eq_ignore_ascii_case("true")) => {
                return Err(no_credentials(
                    remote,
                    "none set, and the metadata server is off (NO_GCE_CHECK)",
                ));
            }
            None => None,
        }
    };
    base = base.or_else(|| key.and_then(|k| k.gcs_base_url));
    if let Some(u) = &base {
        // object_store joins `{base}/{bucket}`: a trailing slash would double it.
        b = b.with_base_url(u.trim_end_matches('/'));
    }
    b = b.with_client_options(client(base));
    Ok(Arc::new(b.build().map_err(|e| no_credentials(remote, &e.to_string()))?))
}

fn which(program: &str) -> bool {
    var("PATH").is_ok_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

/// The store `remote` lives in, authenticated by its cloud's chain.
pub fn store(remote: &Remote) -> Result<Arc<dyn ObjectStore>> {
    match remote.scheme {
        Scheme::S3 => s3(remote),
        Scheme::Azure => azure(remote),
        Scheme::Gcs => gcs(remote),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote() -> Remote {
        Remote::parse("gs://lake/table/metadata").expect("parses")
    }

    #[test]
    fn a_store_that_went_away_is_not_a_credentials_problem() {
        // A port, a timing and a key that look like auth words, in a refused connection.
        let gone = anyhow!(
            "Error performing GET http://127.0.0.1:40312/lake?list-type=2&prefix=table%2Fmetadata%2F&continuation-token=x in 401.3ms - HTTP error: error sending request: tcp connect error: Connection refused (os error 111)"
        );
        let e = explain(&remote(), gone);
        assert!(!format!("{e:#}").contains("no credentials"), "{e:#}");
        assert!(format!("{e:#}").starts_with("gs://lake/table/metadata: "), "{e:#}");
    }

    #[test]
    fn refusals_and_credential_endpoints_name_the_chain() {
        for text in [
            "Error performing GET http://127.0.0.1:4443/lake in 2ms - Server returned non-2xx status code: 403 Forbidden: denied",
            "Error performing token request: Error performing GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token in 1s - HTTP error: timed out",
            "Generic S3 error: Error performing PUT http://169.254.169.254/latest/api/token in 1s - HTTP error: error sending request",
        ] {
            let e = explain(&remote(), anyhow!("{text}"));
            assert!(format!("{e:#}").starts_with("no credentials for gs://lake: tried "), "{e:#}");
        }
    }
}
