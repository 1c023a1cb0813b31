//! `chartmill serve`: the workstation. One process holds the store and
//! serves the web pages technicians, supervisors and administrators use,
//! and the command line's requests on that store (see [`crate::remote`]).
//!
//! The seam to the rest of chartmill is narrow: pages are read from the
//! [`Store`], and every change goes through [`crate::review`], the same
//! functions the `review` commands call. Handlers are thin: they check the
//! session and the role (`auth`), call one function, render one template
//! (`views`).

mod actions;
pub(crate) mod assets;
mod auth;
mod claims;
mod dashboard;
mod jobs;
mod marks;
mod views;

use crate::config::{exit, SiteConfig};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::taxonomy::Taxonomy;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Options {
    pub idle_timeout: Duration,
    pub claim_timeout: Duration,
    /// Cookies carry `Secure` (the server speaks TLS).
    pub secure_cookies: bool,
}

/// Everything a request handler may use.
pub struct App {
    pub(crate) store: Arc<Store>,
    pub(crate) taxonomy: Taxonomy,
    /// The site's document-type model: the document view shows the words
    /// that decided a type.
    pub(crate) model: Arc<crate::classify::Model>,
    pub(crate) sessions: auth::Sessions,
    pub(crate) claims: claims::Claims,
    pub(crate) jobs: jobs::Jobs,
    /// The site's identifier rules (an MRN typed in a search is read by them).
    pub(crate) identifiers: crate::extract::ExtractConfig,
    /// The site configuration file the server was started with.
    pub(crate) config_path: Option<std::path::PathBuf>,
    pub(crate) opts: Options,
}

impl App {
    pub fn new(
        store: Arc<Store>,
        site: SiteConfig,
        config_path: Option<std::path::PathBuf>,
        opts: Options,
    ) -> Result<App> {
        let taxonomy = site.taxonomy()?;
        let model = Arc::new(crate::commands::load_model(&site, None)?);
        Ok(App {
            store,
            taxonomy,
            model,
            identifiers: site.identifiers.clone(),
            jobs: jobs::Jobs::default(),
            config_path,
            sessions: auth::Sessions::default(),
            claims: claims::Claims::default(),
            opts,
        })
    }
}

/// `chartmill serve`: opens the store, serves until stopped (Ctrl-C or
/// SIGTERM), then closes the store cleanly.
pub fn run(
    site: SiteConfig,
    store_path: &Path,
    config_path: Option<std::path::PathBuf>,
    args: &crate::cli::ServeArgs,
) -> Result<u8> {
    let keys = match &site.encryption {
        Some(e) => crate::store::Keys::from_source(&e.source()?)?,
        None => crate::store::Keys::none(),
    };
    let store = Arc::new(Store::open_keyed(store_path, &keys)?);
    let opts = Options {
        idle_timeout: Duration::from_secs(args.idle_minutes.max(1) * 60),
        claim_timeout: Duration::from_secs(args.claim_minutes.max(1) * 60),
        secure_cookies: args.tls_cert.is_some(),
    };
    if store.users()?.iter().all(|u| u.disabled) {
        eprintln!(
            "no users yet: create the first administrator with\n  chartmill --store {} users add NAME --role admin",
            store_path.display()
        );
    }
    // The command line's requests on this store (ingest, status, review,
    // export ...) arrive on a local socket and run here.
    let _local = crate::remote::listen(store.clone(), store_path, config_path.clone())?;
    let app = Arc::new(App::new(store.clone(), site, config_path, opts)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("chartmill-web")
        .build()
        .map_err(|e| Error::Config(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(serve(app, args))?;
    drop(runtime);
    // The store closes (and seals) when the last handle goes.
    store.flush()?;
    Ok(exit::OK)
}

async fn serve(app: Arc<App>, args: &crate::cli::ServeArgs) -> Result<()> {
    let router = views::router(app.clone());
    let bad = |what: &str, e: std::io::Error| Error::Config(format!("{what}: {e}"));
    let listener = std::net::TcpListener::bind(args.listen).map_err(|e| bad("cannot listen", e))?;
    listener.set_nonblocking(true).map_err(|e| bad("cannot listen", e))?;
    let addr = listener.local_addr().map_err(|e| bad("cannot listen", e))?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        eprintln!("stopping: finishing the requests under way");
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    tokio::spawn(claims::sweeper(app.clone()));
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| bad("cannot read the TLS certificate or key", e))?;
            eprintln!("listening on https://{addr}");
            axum_server::from_tcp_rustls(listener, tls)
                .handle(handle)
                .serve(service)
                .await
                .map_err(|e| bad("server stopped", e))
        }
        _ => {
            eprintln!("listening on http://{addr}");
            axum_server::from_tcp(listener).handle(handle).serve(service).await.map_err(|e| bad("server stopped", e))
        }
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
}
