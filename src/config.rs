//! Configuration: flags, then environment variables, then an optional TOML file,
//! then defaults. Secrets (the database password) are never logged.

use onevisit_api::db::{DatabaseConfig, DatabaseUrl};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// What a configuration file may set. Unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object a line, for log collectors.
    Json,
}

/// Why the configuration cannot be used. Each names the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--config {path}: {reason}")]
    File { path: String, reason: String },
    #[error("--listen / ONEVISIT_LISTEN: {value:?} is not an address like 127.0.0.1:8080")]
    Listen { value: String },
    #[error(transparent)]
    Database(#[from] onevisit_api::db::DatabaseError),
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    /// The database: the flag or `DATABASE_URL`, else the file, else `onevisit.db` here.
    pub fn database(&self, given: Option<&str>) -> Result<DatabaseConfig, ConfigError> {
        let url = match given.or(self.database_url.as_deref()) {
            Some(raw) => DatabaseUrl::parse(raw)?,
            None => DatabaseUrl::default_sqlite(),
        };
        Ok(DatabaseConfig::new(url))
    }

    pub fn listen(&self, given: Option<&str>) -> Result<SocketAddr, ConfigError> {
        let value = given.or(self.listen.as_deref()).unwrap_or(DEFAULT_LISTEN);
        value.parse().map_err(|_| ConfigError::Listen {
            value: value.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_in() {
        let file: FileConfig =
            toml::from_str("listen = \"0.0.0.0:9000\"\nlog_format = \"json\"").expect("toml");
        assert_eq!(file.listen(None).expect("addr").port(), 9000);
        assert_eq!(file.listen(Some("127.0.0.1:1")).expect("addr").port(), 1);
        assert_eq!(
            FileConfig::default()
                .listen(None)
                .expect("addr")
                .to_string(),
            DEFAULT_LISTEN
        );
        assert_eq!(file.log_format, Some(LogFormat::Json));
        assert!(file.database(None).is_ok());
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err = FileConfig::default()
            .listen(Some("localhost"))
            .expect_err("bad");
        assert!(err.to_string().starts_with("--listen / ONEVISIT_LISTEN"));
        let err = FileConfig::default()
            .database(Some("mysql://x"))
            .expect_err("bad");
        assert!(err.to_string().starts_with("DATABASE_URL"));
        assert!(toml::from_str::<FileConfig>("colour = 1").is_err());
    }
}
