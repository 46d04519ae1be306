//! The interactive shell: datafusion-cli's line editor helper (highlighting, hints,
//! file completion), its backslash commands and printers, around Ignis's own
//! statement loop so Delta statements, variables and history work as in scripts.

use std::borrow::Cow;

use datafusion_cli::command::Command;
use datafusion_cli::helper::CliHelper;
use datafusion_cli::print_format::PrintFormat;
use datafusion_cli::print_options::PrintOptions;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::runner::{run_and_print, run_file};
use crate::context::IgnisContext;
use crate::statements::split_statements;

const HISTORY_FILE: &str = ".ignis_history";

/// datafusion-cli's helper, with a validator that only waits for the closing `;`
/// (its own rejects statements DataFusion's parser does not know, such as
/// `DESCRIBE HISTORY`; errors are reported when the statement runs).
struct IgnisHelper {
    inner: CliHelper,
}

impl Helper for IgnisHelper {}

impl Highlighter for IgnisHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        self.inner.highlight(line, pos)
    }
    fn highlight_char(&self, line: &str, pos: usize, kind: CmdKind) -> bool {
        self.inner.highlight_char(line, pos, kind)
    }
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        self.inner.highlight_hint(hint)
    }
}

impl Hinter for IgnisHelper {
    type Hint = String;
    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        self.inner.hint(line, pos, ctx)
    }
}

impl Completer for IgnisHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        self.inner.complete(line, pos, ctx)
    }
}

impl Validator for IgnisHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim_end();
        if input.starts_with('\\') || input.ends_with(';') || input.is_empty() {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

/// Runs the shell until `\q` or end of input.
pub async fn run_repl(
    ctx: &IgnisContext,
    print_options: &mut PrintOptions,
) -> rustyline::Result<()> {
    let dialect = ctx.session().state().config().options().sql_parser.dialect;
    let mut editor: Editor<IgnisHelper, rustyline::history::DefaultHistory> = Editor::new()?;
    editor.set_helper(Some(IgnisHelper {
        inner: CliHelper::new(&dialect, print_options.color),
    }));
    let history = dirs_history_path();
    editor.load_history(&history).ok();
    println!(
        "Ignis {} (DataFusion {}). \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION"),
        datafusion::DATAFUSION_VERSION
    );

    loop {
        match editor.readline("ignis> ") {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) if line.trim_start().starts_with('\\') => {
                editor.add_history_entry(line.trim_end())?;
                if !run_command(ctx, line.trim(), print_options).await {
                    break;
                }
            }
            Ok(line) => {
                editor.add_history_entry(line.trim_end())?;
                for statement in split_statements(&line) {
                    tokio::select! {
                        result = run_and_print(ctx, &statement.text, print_options) => {
                            if let Err(e) = result {
                                eprintln!("Error: {e}");
                            }
                        }
                        _ = tokio::signal::ctrl_c() => {
                            println!("^C (statement cancelled)");
                            break;
                        }
                    }
                }
            }
            Err(ReadlineError::Interrupted) => {
                println!("^C");
                continue;
            }
            Err(ReadlineError::Eof) => {
                println!("\\q");
                break;
            }
            Err(err) => {
                eprintln!("input error: {err}");
                break;
            }
        }
    }
    editor.save_history(&history)
}

/// Runs a backslash command; returns false on `\q`.
async fn run_command(ctx: &IgnisContext, line: &str, print_options: &mut PrintOptions) -> bool {
    let command = line[1..].split_whitespace().collect::<Vec<_>>().join(" ");
    let Ok(cmd) = command.parse::<Command>() else {
        eprintln!("'\\{command}' is not a valid command; \\? lists the commands");
        return true;
    };
    let result = match cmd {
        Command::Quit => return false,
        Command::OutputFormat(Some(format)) => match format.parse::<PrintFormat>() {
            Ok(format) => {
                print_options.format = format;
                println!("Output format is {format:?}.");
                Ok(())
            }
            Err(e) => Err(datafusion::error::DataFusionError::Plan(e)),
        },
        Command::OutputFormat(None) => {
            println!("Output format is {:?}.", print_options.format);
            Ok(())
        }
        // `\i file` runs through Ignis's runner so Ignis statements work in it.
        Command::Include(Some(file)) => {
            run_file(ctx, std::path::Path::new(&file), Some(print_options))
                .await
                .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))
        }
        other => other.execute(ctx.session(), print_options).await,
    };
    if let Err(e) = result {
        eprintln!("Error: {e}");
    }
    true
}

fn dirs_history_path() -> std::path::PathBuf {
    match std::env::var_os("HOME") {
        Some(home) => std::path::PathBuf::from(home).join(HISTORY_FILE),
        None => std::path::PathBuf::from(HISTORY_FILE),
    }
}
