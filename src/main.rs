use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    env_logger::init();
    let args = ignis::cli::Args::parse();
    let code = ignis::cli::main(args).await;
    std::process::exit(code);
}
