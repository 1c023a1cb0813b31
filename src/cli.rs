//! Command-line definitions (clap) and dispatch: raw arguments become
//! validated settings, then the library does the work.

use crate::config::{self, exit};
use crate::console::{errln, out, outln, Console, Open};
use crate::decode::Limits;
use crate::error::Result;
use crate::model::FileStatus;
use crate::pipeline::{self, IngestConfig};
use crate::report;
use crate::store::Store;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(name = "chartmill", version, about = "Turns archived paper medical charts into electronic records")]
pub struct Cli {
    /// The store [default: $CHARTMILL_STORE, else ./chartmill.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Site configuration file (TOML) [default: $CHARTMILL_CONFIG, else built-in defaults]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// More diagnostic lines on stderr (-v, -vv, -vvv); never page text or patient identifiers
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The store the command works on: `merge`'s `--into`, else `--store`
    /// (then `$CHARTMILL_STORE`, then the default).
    pub fn store_path(&self) -> PathBuf {
        match &self.command {
            Command::Merge { into, .. } => into.clone(),
            _ => config::store_path(self.store.clone()),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every page under the folders (recursively) into the store
    Ingest {
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Batch name [default: the folders' names joined with '+']; the same name resumes the batch
        #[arg(long)]
        batch: Option<String>,
        /// Pages processed at once [default: number of cores]
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Refuse pages larger than this many pixels
        #[arg(long, default_value_t = Limits::default().max_pixels)]
        max_pixels: u64,
        /// Refuse files larger than this many bytes
        #[arg(long, default_value_t = 2 * 1024 * 1024 * 1024)]
        max_file_bytes: u64,
        /// Seconds between progress lines when stderr is not a terminal
        #[arg(long, default_value_t = 10)]
        progress_every: u64,
        /// No progress output
        #[arg(long, short)]
        quiet: bool,
        /// The pages the batch should hold (checked by the dashboard and `report`)
        #[arg(long, value_name = "N")]
        expect_pages: Option<u64>,
        /// CSV of the pages each box should hold: columns box, expected_pages (a box is a folder under DIR)
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Ingest only share I of N of the files (0 <= I < N), into this task's own store; `merge` joins the shards
        #[arg(long, value_name = "I/N", value_parser = crate::shard::Shard::parse)]
        shard: Option<crate::shard::Shard>,
        /// The shard from a Slurm job array (SLURM_ARRAY_TASK_*) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, CHARTMILL_SHARD_COUNT)
        #[arg(long, conflicts_with = "shard")]
        shard_from_env: bool,
    },
    /// Progress of the migration, per batch and in total
    Status {
        /// Machine-readable output
        #[arg(long)]
        json: bool,
        /// Also list the files with this outcome
        #[arg(long, value_enum)]
        list: Option<ListWhat>,
    },
    /// List the document types (codes, LOINC codes, names)
    Types,
    /// The master patient index
    #[command(subcommand)]
    Patients(PatientsCommand),
    /// The review queue
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Print the audit trail, or check it (`audit verify`)
    Audit(AuditArgs),
    /// Train the document-type classifier from labelled CSV files (doc_type, text)
    Train {
        #[arg(long, value_name = "FILE.csv")]
        data: Vec<PathBuf>,
        /// Also learn from the store's pages whose type a technician set (retype, confirm-type, resolve --type)
        #[arg(long)]
        from_store: bool,
        /// With --from-store: how many times each stored page counts
        #[arg(long, value_name = "N", default_value_t = 1, requires = "from_store")]
        store_weight: u32,
        /// Where to write the model
        #[arg(long, default_value = "models/doctype.json")]
        out: PathBuf,
        /// Share of each type held out for calibration and metrics
        #[arg(long, default_value_t = 0.15)]
        heldout: f64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value_t = 6)]
        epochs: usize,
        /// Feature slots, as a power of two (the model has types × 2^N weights)
        #[arg(long, default_value_t = 16)]
        dims_log2: u32,
    },
    /// Evaluate the classifier: on labelled text (--data), or on scans with their truth (--truth DIR)
    Eval {
        #[arg(long, value_name = "FILE.csv", conflicts_with = "truth")]
        data: Vec<PathBuf>,
        /// truth.jsonl with doc_type (and starts_document) per page of the scans in DIR
        #[arg(long, value_name = "FILE", requires = "dir")]
        truth: Option<PathBuf>,
        dir: Option<PathBuf>,
        /// Model to evaluate [default: the configured one]
        #[arg(long)]
        model: Option<PathBuf>,
        /// With --data: write each text's prediction (alone and from its document) to this JSONL file
        #[arg(long, value_name = "FILE.jsonl", requires = "data")]
        predictions: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long, short)]
        jobs: Option<usize>,
    },
    /// Developer tools
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),
    /// Export the record: searchable PDFs, FHIR or CSV indexes (documents, into a folder), or JSONL (pages)
    Export(ExportArgs),
    /// List the source files whose pages do not add up (exit 1 when any)
    Reconcile {
        /// Only this batch
        #[arg(long)]
        batch: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The migration's figures for management: progress, forecasts, backlog,
    /// quality, reviewers, boxes (one self-contained HTML file, or JSON)
    Report {
        /// Only this batch
        #[arg(long)]
        batch: Option<String>,
        /// Charts and reviewers' figures from this day on (YYYY-MM-DD, UTC)
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        /// Write here [default: standard output]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Check the store: page images against their hashes, documents against
    /// their pages, counters against a full count, the audit chain; exit 1 on
    /// any mismatch
    Verify {
        /// Also hash every source file still present again and compare it with the recorded SHA-256
        #[arg(long)]
        sources: bool,
        #[arg(long)]
        json: bool,
    },
    /// Create a store: encrypted with --encrypt (or when the configuration has an encryption section)
    Init {
        /// Encrypt its records and images (the key: the configuration's encryption section)
        #[arg(long)]
        encrypt: bool,
    },
    /// Wrap an encrypted store's data key under a new key-encryption key (nothing else is rewritten)
    Rekey {
        /// A file holding the new key (32 bytes, base64 or hex; mode 0400)
        #[arg(long, value_name = "FILE", group = "new_key")]
        new_key_file: Option<PathBuf>,
        /// An environment variable holding the new key
        #[arg(long, value_name = "VAR", group = "new_key")]
        new_key_env: Option<String>,
        /// A command that prints the new key
        #[arg(long, value_name = "COMMAND", group = "new_key")]
        new_key_command: Option<String>,
    },
    /// Write a consistent snapshot of the store (in use or not) to one file
    Backup {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Bring a backup back as a new store at --store (a path that does not exist yet)
    Restore {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Bring shard stores (`ingest --shard`) into one store, filed against its patient index
    Merge {
        #[arg(required = true, value_name = "SHARD_STORE")]
        shards: Vec<PathBuf>,
        /// The store to merge into (created if new)
        #[arg(long, value_name = "STORE")]
        into: PathBuf,
        /// Machine-readable output
        #[arg(long)]
        json: bool,
    },
    /// Bring a store of an older schema version up to date
    Migrate,
    /// The workstation's users and their roles
    #[command(subcommand)]
    Users(UsersCommand),
    /// The workstation: a web server for technicians, supervisors and
    /// administrators. It holds the store: while it runs, ingest, status,
    /// review, export and the other commands on that store go through it.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0: any free port, printed at start)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// TLS certificate chain (PEM); with --tls-key the server speaks HTTPS only
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM)
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Minutes without a request after which a session ends
    #[arg(long, default_value_t = 15)]
    pub idle_minutes: u64,
    /// Minutes a document stays claimed by the technician who opened it
    #[arg(long, default_value_t = 10)]
    pub claim_minutes: u64,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user; the password is asked for (twice), or read from standard input
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: crate::users::Role,
        /// Read the password from the first line of standard input (for scripts)
        #[arg(long)]
        password_stdin: bool,
        /// Who does it, for the audit trail [default: the login name]
        #[arg(long)]
        user: Option<String>,
    },
    /// Every user, their role and state (never their password)
    List,
    /// Refuse a user's logins from now on
    Disable {
        name: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Set a user's password anew (and lift a lock)
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// pdf, fhir, csv (documents, into the folder --out; several with commas), or jsonl (one object per page)
    #[arg(long, value_enum, value_delimiter = ',', default_value = "jsonl")]
    pub format: Vec<ExportFormat>,
    /// The folder (pdf, fhir, csv); for jsonl a file [default: standard output]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Documents of these statuses [default: filed]; e.g. --status rejected for a quarantine
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<DocStatusArg>,
    /// Write every document again, not only those filed or changed since the last run
    #[arg(long)]
    pub all: bool,
    /// FHIR: also write a transaction Bundle per batch
    #[arg(long)]
    pub bundle: bool,
    /// PDFs written at once [default: number of cores]
    #[arg(long, short)]
    pub jobs: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocStatusArg {
    Filed,
    Review,
    Rejected,
}

#[derive(Debug, Subcommand)]
pub enum PatientsCommand {
    /// Load patients from CSV (default header: mrn,family_name,given_name,birth_date,sex)
    Import {
        file: PathBuf,
        /// field=column, e.g. --map mrn=Id --map family_name=LAST (Synthea)
        #[arg(long = "map", value_name = "FIELD=COLUMN")]
        map: Vec<String>,
        #[arg(long)]
        user: Option<String>,
    },
    /// Show one patient
    Show {
        mrn: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Find patients by family name (prefix) and/or date of birth
    Search {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        dob: Option<String>,
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Documents waiting for review
    List {
        /// Only documents with a reason starting with this
        #[arg(long)]
        reason: Option<String>,
        #[arg(long)]
        batch: Option<String>,
        #[arg(long = "type")]
        doc_type: Option<String>,
    },
    /// A document or page: text, identifiers, reasons, candidates (recorded in the audit trail)
    Show {
        /// Document id (FILE-SEQ) or page id (FILE:PAGE)
        id: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// File a document (or one page) to a patient
    Resolve {
        id: String,
        #[arg(long)]
        patient: String,
        #[arg(long = "type")]
        doc_type: Option<String>,
        #[arg(long)]
        user: Option<String>,
    },
    /// Not a record of this archive
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Put a resolved or rejected document back in review
    Reopen {
        id: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Split a document before a page: the pages from there are a new document
    Split {
        id: String,
        /// The page (of the file) that starts the new document
        #[arg(long)]
        at: u32,
        #[arg(long)]
        user: Option<String>,
    },
    /// Merge a document into the one before it in its file
    Merge {
        id: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Move a page (FILE:PAGE) to another document of its file
    Move {
        page: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Documents filed to a certain patient whose type is unverified (the type check)
    Types,
    /// Confirm the type chartmill gave a document (the type check); `retype` sets another
    ConfirmType {
        id: String,
        #[arg(long)]
        user: Option<String>,
    },
    /// Set the type of a document (or a page) without filing it
    Retype {
        id: String,
        #[arg(long = "type")]
        doc_type: String,
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print the identifiers read from a text file (a page's text)
    Extract { file: PathBuf },
    /// Print a stored page's rows of word cells (x position, text) and the
    /// identifiers read from its text and words (shows the page's text:
    /// for working on synthetic batches), and the header band a second reading would take
    Cells {
        file_id: u64,
        page: u32,
        /// Also print every word's box and confidence (x, y, width, height),
        /// of the page and of each reading of its header again (and that
        /// reading's text)
        #[arg(long)]
        words: bool,
    },
    /// What JPEG at each quality does to OCR on the gray and colour pages of some folders
    ImageQuality {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long, value_delimiter = ',', default_value = "60,75,85,92")]
        quality: Vec<u8>,
    },
    /// Add synthetic page records (no OCR) to measure status and export on a big store
    Fill {
        #[arg(long)]
        pages: u64,
        #[arg(long, default_value_t = 10)]
        pages_per_file: u32,
        #[arg(long, default_value = "synthetic")]
        batch: String,
        /// Spread the pages over the last DAYS days, as a migration's history
        #[arg(long, default_value_t = 0)]
        days: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML file (charts inline as SVG)
    Html,
    /// The same figures for other tools
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListWhat {
    Failed,
    Skipped,
    Duplicate,
    Pending,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Pdf,
    Fhir,
    Csv,
}

/// `chartmill audit`: the trail (as text or JSON Lines), or `audit verify`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub check: Option<AuditCommand>,
    /// Only entries at or after this date (YYYY-MM-DD)
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries after this sequence number (for a SIEM's next pull)
    #[arg(long, value_name = "SEQ")]
    pub after: Option<u64>,
    #[arg(long)]
    pub user: Option<String>,
    /// `text` (tab-separated) or `json` (one JSON object a line, with its hash)
    #[arg(long, value_enum, default_value_t = AuditFormat::Text)]
    pub format: AuditFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain: exit 0 when intact, 1 at the first entry changed, removed, inserted or moved
    Verify {
        /// A head recorded earlier (`status --json` prints it): it must be in the trail. Repeatable.
        #[arg(long, value_name = "SHA256")]
        head: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

impl Cli {
    /// Makes every path argument absolute against `cwd`: the server runs a
    /// client's command in its own working folder.
    pub fn absolutize(&mut self, cwd: &Path) {
        let abs = |p: &mut PathBuf| {
            if p.is_relative() {
                // `components` drops the `.` of "./folder".
                *p = cwd.join(&*p).components().collect();
            }
        };
        let opt = |p: &mut Option<PathBuf>| p.iter_mut().for_each(abs);
        // Every field is named, so that a new path argument is not forgotten here.
        let Cli { store, config, verbose: _, command } = self;
        opt(store);
        opt(config);
        match command {
            Command::Ingest {
                dirs,
                batch: _,
                jobs: _,
                max_pixels: _,
                max_file_bytes: _,
                progress_every: _,
                quiet: _,
                expect_pages: _,
                manifest,
                shard: _,
                shard_from_env: _,
            } => {
                dirs.iter_mut().for_each(abs);
                opt(manifest);
            }
            Command::Status { json: _, list: _ } | Command::Types | Command::Audit(_) => {}
            Command::Patients(PatientsCommand::Import { file, map: _, user: _ }) => abs(file),
            Command::Patients(PatientsCommand::Show { .. } | PatientsCommand::Search { .. }) => {}
            Command::Review(_) => {}
            Command::Train {
                data,
                from_store: _,
                store_weight: _,
                out,
                heldout: _,
                seed: _,
                epochs: _,
                dims_log2: _,
            } => {
                data.iter_mut().for_each(abs);
                abs(out);
            }
            Command::Eval { data, truth, dir, model, predictions, json: _, jobs: _ } => {
                data.iter_mut().for_each(abs);
                opt(predictions);
                opt(truth);
                opt(dir);
                opt(model);
            }
            Command::Debug(DebugCommand::Extract { file }) => abs(file),
            Command::Debug(DebugCommand::ImageQuality { dirs, quality: _ }) => dirs.iter_mut().for_each(abs),
            Command::Debug(DebugCommand::Cells { .. } | DebugCommand::Fill { .. }) => {}
            Command::Export(ExportArgs { format: _, out, status: _, all: _, bundle: _, jobs: _ }) => opt(out),
            Command::Reconcile { batch: _, json: _ }
            | Command::Verify { sources: _, json: _ }
            | Command::Migrate
            | Command::Users(_) => {}
            Command::Report { batch: _, since: _, format: _, out } => opt(out),
            Command::Backup { out } => abs(out),
            Command::Init { encrypt: _ } => {}
            Command::Rekey { new_key_file, new_key_env: _, new_key_command: _ } => opt(new_key_file),
            Command::Restore { file } => abs(file),
            Command::Merge { shards, into, json: _ } => {
                shards.iter_mut().for_each(abs);
                abs(into);
            }
            // Refused through a server: a server already holds the store.
            Command::Serve(_) => {}
        }
    }
}

impl Command {
    /// Whether the command uses the store: only these go through a server
    /// that holds it (`serve` and `migrate` to be refused there).
    pub fn uses_store(&self) -> bool {
        match self {
            // A restore writes a new store: none is in use.
            Command::Types | Command::Eval { .. } | Command::Restore { .. } => false,
            Command::Debug(DebugCommand::Extract { .. } | DebugCommand::ImageQuality { .. }) => false,
            Command::Train { from_store, .. } => *from_store,
            Command::Debug(DebugCommand::Cells { .. } | DebugCommand::Fill { .. })
            | Command::Ingest { .. }
            | Command::Status { .. }
            | Command::Patients(_)
            | Command::Review(_)
            | Command::Audit(_)
            | Command::Export(_)
            | Command::Reconcile { .. }
            | Command::Verify { .. }
            | Command::Backup { .. }
            | Command::Merge { .. }
            | Command::Init { .. }
            | Command::Rekey { .. }
            | Command::Report { .. }
            | Command::Migrate
            | Command::Users(_)
            | Command::Serve(_) => true,
        }
    }

    /// Sets the person the audit trail names (`--user` of the review,
    /// patients and users commands) to `user` where none was given: a
    /// command the server runs names the client's login, not the server's.
    /// (`audit --user` is a filter, not a person acting: left alone.)
    pub fn default_user(&mut self, user: &str) {
        use PatientsCommand as P;
        use ReviewCommand as R;
        use UsersCommand as U;
        let slot = match self {
            Command::Patients(P::Import { user, .. } | P::Show { user, .. } | P::Search { user, .. })
            | Command::Review(
                R::Show { user, .. }
                | R::Resolve { user, .. }
                | R::Reject { user, .. }
                | R::Reopen { user, .. }
                | R::Split { user, .. }
                | R::Merge { user, .. }
                | R::Move { user, .. }
                | R::Retype { user, .. }
                | R::ConfirmType { user, .. },
            )
            | Command::Users(U::Add { user, .. } | U::Disable { user, .. } | U::ResetPassword { user, .. }) => user,
            _ => return,
        };
        if slot.is_none() && !user.trim().is_empty() {
            *slot = Some(user.to_string());
        }
    }

    /// For the commands that take a new password: whether it is read from
    /// standard input (`Some(true)`) or asked for (`Some(false)`).
    pub fn new_password(&self) -> Option<bool> {
        match self {
            Command::Users(
                UsersCommand::Add { password_stdin, .. } | UsersCommand::ResetPassword { password_stdin, .. },
            ) => Some(*password_stdin),
            _ => None,
        }
    }
}

/// Runs a parsed command line, writing to `con` (and using its store, when
/// a server runs the command); returns the process exit code.
pub fn run(cli: Cli, con: &mut Console) -> Result<u8> {
    let store_path = cli.store_path();
    let config_path = config_path(cli.config);
    let site = config::SiteConfig::load(config_path.clone())?;
    if !con.is_served() {
        con.set_key_source(site.encryption.as_ref().map(|e| e.source()).transpose()?);
    }
    match cli.command {
        Command::Types => {
            outln!(con, "{:<22} {:<8} display", "code", "LOINC");
            for t in site.taxonomy()?.types() {
                outln!(con, "{:<22} {:<8} {}", t.code, t.loinc.as_deref().unwrap_or("(local)"), t.display);
            }
            Ok(exit::OK)
        }
        Command::Patients(cmd) => crate::commands::patients(con, &site, &store_path, cmd),
        Command::Review(cmd) => crate::commands::review(con, &site, &store_path, cmd),
        Command::Audit(args) => crate::commands::audit(con, &store_path, args),
        Command::Train { data, from_store, store_weight, out, heldout, seed, epochs, dims_log2 } => {
            let cfg =
                crate::train::TrainConfig { epochs, heldout_fraction: heldout, seed, dims_log2, ..Default::default() };
            let from_store = from_store.then_some(store_weight);
            crate::commands::train(con, &site, &store_path, &data, from_store, &out, &cfg)
        }
        Command::Eval { data, truth, dir, model, predictions, json, jobs } => {
            let model = crate::commands::load_model(&site, model.as_deref())?;
            match (truth, dir) {
                (Some(truth), Some(dir)) => crate::commands::eval_scans(con, &site, &model, &truth, &dir, jobs, json),
                _ => crate::commands::eval_text(con, &site, &model, &data, predictions.as_deref(), json),
            }
        }
        Command::Ingest {
            dirs,
            batch,
            jobs,
            max_pixels,
            max_file_bytes,
            progress_every,
            quiet,
            expect_pages,
            manifest,
            shard,
            shard_from_env,
        } => {
            let shard = match (shard, shard_from_env) {
                (_, true) => {
                    Some(crate::shard::Shard::from_env(|k| std::env::var(k).ok()).map_err(crate::Error::Config)?)
                }
                (s, false) => s,
            };
            let manifest = match manifest {
                Some(m) => crate::dashboard::boxes::read_manifest(&m)?,
                None => Vec::new(),
            };
            for d in &dirs {
                if !d.is_dir() {
                    return Err(crate::Error::Config(format!("{} is not a folder", d.display())));
                }
            }
            let batch = batch.unwrap_or_else(|| config::default_batch_name(&dirs));
            let model = crate::commands::load_model(&site, None)?;
            let cfg = IngestConfig {
                limits: Limits { max_pixels, ..Limits::default() },
                max_file_bytes,
                quiet,
                expect_pages,
                manifest,
                shard,
                progress_every: Duration::from_secs(progress_every.max(1)),
                progress_to: con.progress_lines(),
                ..IngestConfig::for_site(&site, model, dirs, batch, jobs)
            };
            let store = con.store(&store_path, Open::Create)?;
            let summary = pipeline::ingest(&store, &cfg)?;
            print_summary(con, &summary);
            let batch = summary.batch.as_ref().map(|b| b.id).unwrap_or(0);
            let c = store.counters(batch)?;
            let failures = c.get("files_failed").copied().unwrap_or(0) + c.get("pages_failed").copied().unwrap_or(0);
            Ok(if failures > 0 { exit::DONE_WITH_FAILURES } else { exit::OK })
        }
        Command::Status { json, list } => {
            let store = match con.store(&store_path, Open::Reading) {
                Err(crate::Error::StoreInUse { .. }) if list.is_none() => {
                    return status_from_snapshot(con, &store_path, json)
                }
                other => other?,
            };
            let all = report::status(&store)?;
            let listed = match list {
                Some(what) => {
                    let status = match what {
                        ListWhat::Failed => FileStatus::Failed,
                        ListWhat::Skipped => FileStatus::Skipped,
                        ListWhat::Duplicate => FileStatus::Duplicate,
                        ListWhat::Pending => FileStatus::Pending,
                    };
                    report::files_with_status(&store, status)?
                }
                None => Vec::new(),
            };
            if json {
                let files: Vec<_> = listed
                    .iter()
                    .map(|f| serde_json::json!({"source": f.source, "error": f.error, "duplicate_of": f.duplicate_of}))
                    .collect();
                let audit = serde_json::json!({"entries": store.audit_count()?, "head": store.audit_head()?});
                let v = serde_json::json!({
                    "store": store_path.display().to_string(), "batches": all, "files": files, "audit": audit,
                    "shards_merged": store.shard_merges()?,
                });
                outln!(con, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            } else {
                out!(con, "{}", report::render_status(&all));
                for f in &listed {
                    outln!(con, "{}\t{}", f.source, f.error.as_deref().unwrap_or(""));
                }
            }
            Ok(exit::OK)
        }
        Command::Debug(DebugCommand::Extract { file }) => {
            let text =
                std::fs::read_to_string(&file).map_err(|e| crate::Error::Io { path: file.clone(), source: e })?;
            let found = crate::extract::extract(&text, &site.identifiers);
            outln!(con, "{}", serde_json::to_string_pretty(&found).unwrap_or_default());
            Ok(exit::OK)
        }
        Command::Debug(DebugCommand::Cells { file_id, page, words: show_words }) => {
            let store = con.store(&store_path, Open::Reading)?;
            let Some(p) = store.page(file_id, page)? else {
                errln!(con, "no page {file_id}:{page} in the store");
                return Ok(exit::FATAL);
            };
            let words = store.words(file_id, page)?;
            if show_words {
                for w in &words {
                    outln!(con, "word {},{} {}x{} conf {:.0} [{}]", w.x, w.y, w.w, w.h, w.conf, w.text);
                }
            }
            for row in crate::extract::cell_rows(&words) {
                outln!(con, "{row}");
            }
            let found = crate::extract::extract_page(&p.text, &words, &site.identifiers);
            outln!(con, "{}", serde_json::to_string_pretty(&found).unwrap_or_default());
            // The band a second reading would take were no MRN known.
            let band =
                crate::extract::second_look(&found, &words, &site.identifiers, |_| crate::extract::IndexSays::Unknown);
            outln!(con, "header band (no MRN known): {band:?}");
            for (s, look) in p.rereads().zip(crate::ocr::REREAD_LOOKS) {
                outln!(con, "header read again ({look:?}), rows {}..{}:", s.top, s.bottom);
                if show_words {
                    for w in &s.words {
                        outln!(con, "word {},{} {}x{} conf {:.0} [{}]", w.x, w.y, w.w, w.h, w.conf, w.text);
                    }
                    for line in s.text.lines() {
                        outln!(con, "text {line}");
                    }
                }
                for row in crate::extract::cell_rows(&s.words) {
                    outln!(con, "{row}");
                }
                let band = (s.top, s.bottom);
                let again = crate::extract::extract_second_reading(&words, band, &s.text, &s.words, &site.identifiers);
                outln!(con, "{}", serde_json::to_string_pretty(&again).unwrap_or_default());
            }
            Ok(exit::OK)
        }
        Command::Debug(DebugCommand::ImageQuality { dirs, quality }) => {
            crate::devtools::image_quality(&dirs, &quality, site.ocr)?;
            Ok(exit::OK)
        }
        Command::Debug(DebugCommand::Fill { pages, pages_per_file, batch, days }) => {
            let store = con.store(&store_path, Open::Create)?;
            crate::devtools::fill(&store, &batch, pages, pages_per_file, days)?;
            Ok(exit::OK)
        }
        Command::Export(args) => crate::commands::export(con, &site, &store_path, args),
        Command::Report { batch, since, format, out } => {
            let json = format == ReportFormat::Json;
            crate::dashboard::report(con, &store_path, batch, since.as_deref(), json, out.as_deref())
        }
        Command::Reconcile { batch, json } => crate::commands::reconcile(con, &store_path, batch.as_deref(), json),
        Command::Verify { sources, json } => crate::commands::verify(con, &store_path, sources, json),
        Command::Backup { out } => crate::commands::backup(con, &store_path, &out),
        Command::Init { encrypt } => crate::commands::init(con, &store_path, encrypt),
        Command::Rekey { new_key_file, new_key_env, new_key_command } => {
            use crate::store::KeySource;
            let source = match (new_key_file, new_key_env, new_key_command) {
                (Some(f), _, _) => KeySource::File(f),
                (_, Some(_), _) if con.is_served() => {
                    return Err(crate::Error::Config(
                        "a server holds this store and would read its own environment: give --new-key-file or --new-key-command".into(),
                    ))
                }
                (_, Some(e), _) => KeySource::Env(e),
                (_, _, Some(c)) => KeySource::Command(c),
                _ => {
                    return Err(crate::Error::Config(
                        "give the new key: --new-key-file, --new-key-env or --new-key-command".into(),
                    ))
                }
            };
            crate::commands::rekey(con, &store_path, &source)
        }
        Command::Restore { file } => crate::commands::restore(con, &file, &store_path),
        Command::Merge { shards, into: _, json } => crate::merge::run(con, &site, &store_path, &shards, json),
        Command::Migrate => crate::commands::migrate(con, &store_path),
        Command::Users(cmd) => crate::commands::users(con, &store_path, cmd),
        Command::Serve(_) if con.is_served() => {
            Err(crate::Error::Config("a server already serves this store: stop it first".into()))
        }
        Command::Serve(args) => crate::server::run(site, &store_path, config_path, &args),
    }
}

/// The site configuration file: `flag`, else `$CHARTMILL_CONFIG`, else none
/// (the built-in defaults).
pub fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| std::env::var_os(config::CONFIG_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// Opens an existing store, waiting a moment if another short command (a
/// `status` or `export` of someone else) holds it.
pub(crate) fn open_for_reading(path: &std::path::Path, keys: &crate::store::Keys) -> Result<Store> {
    let deadline = std::time::Instant::now() + Duration::from_millis(1500);
    loop {
        match Store::open_existing_keyed(path, keys) {
            Err(crate::Error::StoreInUse { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// `status` while an ingest holds the store: its latest snapshot.
fn status_from_snapshot(con: &mut Console, store: &std::path::Path, json: bool) -> Result<u8> {
    let Some((written, all)) = report::read_snapshot(store) else {
        return Err(crate::Error::StoreInUse { path: store.to_path_buf() });
    };
    let age = crate::model::now() - written;
    if json {
        let v = serde_json::json!({"store": store.display().to_string(), "snapshot_age_seconds": age, "batches": all});
        outln!(con, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let parsed: Vec<report::Status> = all.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect();
        outln!(con, "(an ingest is running: snapshot from {age} s ago)");
        out!(con, "{}", report::render_status(&parsed));
    }
    Ok(exit::OK)
}

/// The end-of-ingest report: counts, then every problem of this run.
fn print_summary(con: &mut Console, s: &pipeline::RunSummary) {
    const SHOWN: usize = 100;
    let name = s.batch.as_ref().map(|b| b.name.as_str()).unwrap_or("");
    let secs = s.elapsed.as_secs_f64();
    errln!(
        con,
        "batch {name}: {} files seen: {} done, {} failed, {} skipped (unsupported), {} duplicate, {} already in the store",
        s.files_seen,
        s.files_done,
        s.files_failed,
        s.files_skipped,
        s.files_duplicate,
        s.files_already
    );
    errln!(
        con,
        "{} pages stored ({} failed, {} blank) in {:.1} s, {:.2} pages/s",
        s.pages_stored,
        s.pages_failed,
        s.pages_blank,
        secs,
        s.pages_stored as f64 / secs.max(1e-3)
    );
    let mut problems = s.problems.clone();
    problems.sort();
    for (source, why) in problems.iter().take(SHOWN) {
        errln!(con, "  {source}: {why}");
    }
    let shown = problems.len().min(SHOWN) as u64;
    if s.problem_count > shown {
        errln!(
            con,
            "  ... and {} more: `chartmill status --list failed` (or `--list skipped`) lists them all",
            s.problem_count - shown
        );
    }
}
