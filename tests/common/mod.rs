//! What the end-to-end tests share: a real server on port 0 with a fresh database.

#![allow(dead_code)] // Each test file uses its own part of this module.

use onevisit_api::testing::TestDatabase;
use onevisit_api::{Application, ServeConfig};
use std::net::SocketAddr;
use tokio::sync::oneshot;

/// A running server, stopped when dropped.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub database: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
    }
}

/// Starts the real application in this process on a free port.
pub async fn spawn_app(demo: bool) -> TestApp {
    let database = TestDatabase::new().await;
    let config = ServeConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: database.config.clone(),
        demo,
        today: "2026-11-28".parse().expect("date"),
    };
    let app = Application::build(&config)
        .await
        .expect("the application starts");
    let address = app.local_addr().expect("bound address");
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        stopped.await.ok();
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        database,
        stop: Some(stop),
    }
}
