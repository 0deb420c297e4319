use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug in this program is reported in one line, not as a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!("error: internal error: {message}{location}; please report this as a bug");
    }));
    ExitCode::from(git_bug::cli::run())
}
