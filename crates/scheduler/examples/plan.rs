//! Plans a problem file and writes the plan, like `onevisit plan` will:
//! `plan INPUT OUTPUT [--pretty]`; prints a summary line on stderr.
//! For measuring end-to-end time and memory (`/usr/bin/time -v`).

use onevisit_scheduler::plan_json_output;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        eprintln!("usage: plan INPUT OUTPUT [--pretty]");
        std::process::exit(2);
    };
    let pretty = args.iter().any(|a| a == "--pretty");
    let t0 = Instant::now();
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {input}: {e}");
            std::process::exit(1);
        }
    };
    let t_read = t0.elapsed();
    let out = match plan_json_output(&bytes, pretty) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("malformed problem: {e}");
            std::process::exit(2);
        }
    };
    drop(bytes);
    let t_plan = t0.elapsed();
    if let Err(e) = std::fs::write(output, &out.json) {
        eprintln!("cannot write {output}: {e}");
        std::process::exit(1);
    }
    let s = out.stats;
    eprintln!(
        "requests {} scheduled {} visits {} lower_bound {} ratio {:.4} read {:.3}s parse+plan {:.3}s total {:.3}s",
        s.requests,
        s.scheduled,
        s.visits,
        s.lower_bound,
        s.visits as f64 / s.lower_bound.max(1) as f64,
        t_read.as_secs_f64(),
        (t_plan - t_read).as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
}
