use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = baucu::config::Cli::parse();
    baucu::cli::run(cli)
}
