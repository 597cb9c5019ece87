//! The `gongbao` command line. Finding the site, parsing arguments in the site's language and
//! choosing a command is all that happens here; see `gongbao::cmd` for the commands and
//! `gongbao::cmd::cli` for the Chinese help and argument errors.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use gongbao::cmd;
use gongbao::model::date::Date;
use std::path::PathBuf;
use std::process::ExitCode;

// Builds allocate and free millions of small strings from two or more threads at once, which
// glibc's allocator handles poorly (a third of a `serve` rebuild went to its bookkeeping). With
// `GONGBAO_TIMINGS` set, the bytes held are counted for its stage marks.
#[global_allocator]
static ALLOCATOR: cmd::heap::Counting<mimalloc::MiMalloc> = cmd::heap::Counting(mimalloc::MiMalloc);

/// 公报: compile a repository of gazette records into a static, checksummed archive site.
#[derive(Parser)]
#[command(name = "gongbao", version, about)]
struct Cli {
    /// Run as if gongbao was started in this folder. Without it, the site is the nearest folder
    /// with a gongbao.toml, from the current one upward.
    #[arg(long, short = 'C', global = true, value_name = "DIR")]
    site: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a new site with settings and example records.
    Init {
        /// Folder to create the site in.
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Report every problem in the site; exit 1 on errors.
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: cmd::check::Format,
        /// Check as of this date (YYYY-MM-DD) instead of today.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
    },
    /// Check and build the site.
    Build {
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Build the site as it stood on this date (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Worker threads (default: one per core).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        jobs: Option<u16>,
        /// Render every file again, ignoring the build cache.
        #[arg(long)]
        no_cache: bool,
        /// The site's public address for this build, instead of [site] base_url in gongbao.toml
        /// (e.g. https://example.gov.cn/gazette/ or /preview/).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Check a built site (or a copy of it) against its manifest and signature.
    Verify {
        /// The site's output folder, a package zip, a deployed copy (s3://bucket/prefix, with
        /// the settings and credentials of deploy) or a published one (https://address/).
        path: PathBuf,
        /// Public key file (minisign format) to check the signature with.
        #[arg(long)]
        pubkey: Option<PathBuf>,
    },
    /// Make hand-off packages from the built site: a BagIt bag for the archives or libraries,
    /// a WARC file for web archives; each recorded in the transfer register.
    Package {
        /// Who the bag is for.
        #[arg(long = "for", value_enum)]
        audience: Option<cmd::package::For>,
        /// Also write a WARC file of the whole site.
        #[arg(long)]
        warc: bool,
        /// First publication day to include (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        from: Option<Date>,
        /// Last publication day to include (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        to: Option<Date>,
        /// The built site to package (default: the build's output folder).
        #[arg(long)]
        site_out: Option<PathBuf>,
        /// Folder for the packages (default: packages/ in the site's folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Split the bag so that no payload exceeds this many bytes.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        max_bytes: Option<u64>,
    },
    /// Start a new record: the keys its kind needs, today's date, and the next free index and
    /// document numbers of its issuer's year.
    New {
        /// The kind: regulation, normative, policy, interpretation, draft, notice, report,
        /// catalog or gazette (or its Chinese name).
        kind: String,
        /// Its title.
        #[arg(long)]
        title: Option<String>,
        /// Its issuer (default: the site's sponsor).
        #[arg(long)]
        issuer: Option<String>,
        /// The date to write instead of today (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        date: Option<Date>,
    },
    /// Reports computed from the records.
    Report {
        #[command(subcommand)]
        what: ReportKind,
    },
    /// Publish the built, verified site to S3-compatible object storage: only changed files,
    /// assets before pages, the manifest last, stale objects deleted after. Credentials from
    /// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; endpoint and region from [deploy] or
    /// AWS_ENDPOINT_URL and AWS_REGION.
    Deploy {
        /// s3://bucket/prefix (default: [deploy] target).
        target: Option<String>,
        /// The built site (default: the build's output folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Leave objects the site no longer has.
        #[arg(long)]
        keep_stale: bool,
        /// Write the URLs that changed, one a line, to this file (for a CDN purge).
        #[arg(long)]
        purge_list: Option<PathBuf>,
        /// Check the site's signature with this public key before deploying.
        #[arg(long)]
        pubkey: Option<PathBuf>,
        /// Uploads at once.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
        jobs: u16,
    },
    /// Make an Ed25519 key pair for signing sites.
    Keygen {
        /// Folder to write gongbao.key and gongbao.pub into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Build, serve on 127.0.0.1, rebuild on every change and reload open pages.
    Serve {
        /// Port.
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Address to listen on. Another than 127.0.0.1 or ::1 shows the preview, drafts included,
        /// to other computers.
        #[arg(long, value_name = "ADDR", default_value_t = cmd::serve::LOOPBACK)]
        bind: std::net::IpAddr,
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Open the preview in the browser once it is built.
        #[arg(long)]
        open: bool,
        /// How changes are noticed: file events (polling on network file systems), file events
        /// always, or comparing the files once a second.
        #[arg(long, value_enum, default_value_t = cmd::serve::Watcher::Auto)]
        watcher: cmd::serve::Watcher,
    },
    /// Remove the build's output folder and the build cache.
    Clean {
        /// The output folder to remove (default: public/ in the site's folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum ReportKind {
    /// Part two of the annual report on government information disclosure: rules and normative
    /// documents issued, repealed and in force, as Markdown, HTML and CSV.
    Annual {
        /// The year.
        #[arg(long, value_parser = clap::value_parser!(i32).range(1949..=9998))]
        year: i32,
        /// Folder for the report files (default: annual-reports/ in the site's folder).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Dates on the command line; the message is replaced by one in the site's language when the
/// error is printed (see `cmd::cli`).
fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s).map_err(|e| match e {
        gongbao::model::date::DateError::NoSuchDay => {
            format!("`{s}` is no day of the calendar (months run from 1 to 12, days to the month's last)")
        }
        gongbao::model::date::DateError::Shape => format!("`{s}` is not a date of the form YYYY-MM-DD"),
    })
}

/// Has the allocator keep the memory a build frees for the next one, rather than hand it back
/// to the system a second later (mimalloc's option `purge_delay` set to -1, as the variable
/// `MIMALLOC_PURGE_DELAY=-1` would; the variable, when set, still decides). `serve` rebuilds
/// after every save, each allocating and freeing hundreds of MB: given back, those pages are
/// faulted in and zeroed by the kernel again when the next rebuild takes them (at 50,000
/// records, a rebuild after a record was added met 8,000–13,600 page faults, 4–90 with the
/// memory kept). What `serve` holds between saves stays at what its builds reach, which each
/// rebuild reaches again anyway.
fn keep_freed_memory() {
    // The option's number in mimalloc's `mi_option_e`, the same in its versions 2 and 3 (retired
    // options keep their places there); the Rust binding names it in neither.
    const PURGE_DELAY: std::ffi::c_int = 15;
    unsafe extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: a plain setter of mimalloc's (linked as the global allocator), which takes any
        // option number and value.
        unsafe { mi_option_set(PURGE_DELAY, -1) };
    }
}

fn main() -> ExitCode {
    cmd::on_signals_leave_nothing();
    if std::env::var_os("GONGBAO_TIMINGS").is_some() {
        cmd::heap::count();
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `-C DIR` is applied before anything else, as git and make do: every relative path of every
    // command, and the search for the site, start there.
    if let Some(dir) = cmd::cli::folder_arg(&args)
        && let Err(e) = std::env::set_current_dir(&dir)
    {
        return ExitCode::from(cmd::cli::cannot_enter(&dir, &e));
    }
    let root = cmd::cli::find_site(std::path::Path::new("."));
    let lang = cmd::site_language(&root);
    let mut command = cmd::cli::localise(Cli::command(), lang);
    let cli = match command.try_get_matches_from_mut(&args).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => return ExitCode::from(cmd::cli::print_error(&e, lang)),
    };
    let quiet = cli.quiet;
    let code = match cli.command {
        Command::Init { dir } => cmd::init::run(&dir, quiet),
        Command::Check { format, as_of } => cmd::check::run(&root, format, as_of, quiet),
        Command::Build { out, as_of, jobs, no_cache, base_url } => cmd::build::run_at(
            &cmd::build::Options { root, out, as_of, jobs: jobs.map(usize::from), quiet, no_cache, session: None },
            base_url.as_deref(),
        ),
        Command::Serve { port, bind, out, open, watcher } => {
            keep_freed_memory();
            cmd::serve::run(&root, &cmd::serve::Options { bind, port, out, open, watcher })
        }
        Command::Verify { path, pubkey } => cmd::verify::run(&path, pubkey.as_deref(), &root),
        Command::Package { audience, warc, from, to, site_out, out, max_bytes } => {
            cmd::package::run(&cmd::package::Options {
                root,
                audience,
                warc,
                from,
                to,
                site_out,
                out,
                max_bytes,
                quiet,
            })
        }
        Command::New { kind, title, issuer, date } => {
            cmd::new::run(&cmd::new::Options { root, kind, title, issuer, date })
        }
        Command::Report { what: ReportKind::Annual { year, out } } => {
            cmd::report::run(&cmd::report::Options { root, year, out })
        }
        Command::Keygen { out } => cmd::keygen::run(&out, &root, quiet),
        Command::Clean { out } => cmd::clean::run(&root, out.as_deref(), quiet),
        Command::Completions { shell } => {
            let mut command = cmd::cli::localise(Cli::command(), lang);
            clap_complete::generate(shell, &mut command, "gongbao", &mut std::io::stdout());
            0
        }
        Command::Deploy { target, out, dry_run, keep_stale, purge_list, pubkey, jobs } => {
            cmd::deploy::run(&cmd::deploy::Options {
                root,
                target,
                out,
                dry_run,
                keep_stale,
                purge_list,
                pubkey,
                jobs: Some(usize::from(jobs)),
            })
        }
    };
    ExitCode::from(code)
}
