//! The `smsguard` command: classify messages with the embedded default model.
use anyhow::Result;
use clap::Parser;

/// Classify Chinese SMS as marketing, verification or transactional.
#[derive(Parser)]
#[command(version, about)]
enum Cli {
    /// Print the normalized form of each message (one per argument, or one per line on stdin).
    Normalize {
        /// Messages; read standard input when none are given.
        text: Vec<String>,
    },
}

fn main() -> Result<()> {
    match Cli::parse() {
        Cli::Normalize { text } => {
            let print = |t: &str| {
                let n = smsguard::normalize::normalize(t);
                println!("{}", serde_json::json!({ "normalized": n.display() }));
            };
            if text.is_empty() {
                use std::io::BufRead;
                for line in std::io::stdin().lock().split(b'\n') {
                    print(&String::from_utf8_lossy(&line?));
                }
            } else {
                text.iter().for_each(|t| print(t));
            }
        }
    }
    Ok(())
}
