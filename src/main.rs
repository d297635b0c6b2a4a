use clap::Parser;

// A server allocates and frees many small buffers per request (HTTP, queries, pages); glibc's
// allocator cost a task update about 280 µs of processor time where mimalloc costs about 200.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = baucu::config::Cli::parse();
    baucu::cli::run(cli)
}
