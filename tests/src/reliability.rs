//! Reliability under load and faults: many threads on one instance and several
//! instances on one device (with a watchdog), device loss, timeouts, limits, and
//! resident memory and GPU buffers over 10 000 calls (in a child process).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use wgpu_sigmoid::adapter::{self, AdapterOptions};
use wgpu_sigmoid::test_support::{Stats, stats};
use wgpu_sigmoid::{Error, Options, Sigmoid, cpu};

use super::common::{gpu, gpu_with, options, test_data};

/// Longest any of these tests may take before the watchdog calls it a hang.
const WATCHDOG: Duration = Duration::from_secs(600);

/// xorshift64*: deterministic per-thread choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Mostly short lengths, some long ones, a few of several million: the mix a
    /// service sees.
    fn length(&mut self) -> usize {
        let r = self.next();
        let bucket = r % 1000;
        let n = r >> 20;
        match bucket {
            0..=9 => 1_000_000 + (n % 2_000_000) as usize,
            10..=99 => (n % 300_000) as usize,
            100..=149 => 0,
            _ => (n % 10_000) as usize,
        }
    }
}

/// Checks every element of `y` against the reference (same rule as
/// `assert_matches_reference`, cheaper messages), returning the first failure.
fn check(x: &[f32], y: &[f32]) -> Result<(), String> {
    if x.len() != y.len() {
        return Err(format!("length {} vs {}", x.len(), y.len()));
    }
    for (i, (&x, &y)) in x.iter().zip(y).enumerate() {
        let expected = cpu::sigmoid(x);
        let ok = if x.is_nan() {
            y.to_bits() == expected.to_bits()
        } else {
            cpu::within_ulp(y, expected, super::common::MAX_ULP)
        };
        if !ok {
            return Err(format!(
                "index {i}: sigmoid({x:e}) gave {y:e}, expected {expected:e}"
            ));
        }
    }
    Ok(())
}

/// One call through the API `which` picks; returns the result.
fn call(sigmoid: &Sigmoid, which: u64, x: &[f32]) -> Result<Vec<f32>, Error> {
    match which % 5 {
        0 => sigmoid.forward(x),
        1 => {
            let mut y = vec![0.0; x.len()];
            sigmoid.forward_into(x, &mut y)?;
            Ok(y)
        }
        2 => {
            let mut y = x.to_vec();
            sigmoid.forward_in_place(&mut y)?;
            Ok(y)
        }
        3 => pollster::block_on(sigmoid.forward_async(x)),
        _ => {
            let mut y = vec![0.0; x.len()];
            pollster::block_on(sigmoid.forward_into_async(x, &mut y))?;
            Ok(y)
        }
    }
}

/// Runs `threads` workers, each doing `calls` checked calls on the instance
/// `pick(thread, call)` chooses; fails on the first wrong result or on a hang.
fn hammer(instances: &[&Sigmoid], threads: usize, calls: usize, seed: u64) -> (usize, u64) {
    let (done, results) = mpsc::channel();
    std::thread::scope(|scope| {
        for t in 0..threads {
            let done = done.clone();
            scope.spawn(move || {
                let mut rng = Rng(seed + 7919 * t as u64 + 1);
                let mut elements = 0u64;
                let outcome = (|| {
                    for c in 0..calls {
                        let len = rng.length();
                        let x = test_data(len, rng.next());
                        let which = rng.next();
                        let sigmoid = instances[(t + c) % instances.len()];
                        let y = call(sigmoid, which, &x)
                            .map_err(|e| format!("thread {t} call {c} (len {len}): {e}"))?;
                        check(&x, &y).map_err(|e| {
                            format!("thread {t} call {c} (len {len}, api {}): {e}", which % 5)
                        })?;
                        elements += len as u64;
                    }
                    Ok::<u64, String>(elements)
                })();
                let _ = done.send(outcome);
            });
        }
        drop(done);
        let deadline = Instant::now() + WATCHDOG;
        let mut finished = 0;
        let mut elements = 0;
        while finished < threads {
            let left = deadline.saturating_duration_since(Instant::now());
            match results.recv_timeout(left) {
                Ok(Ok(n)) => {
                    finished += 1;
                    elements += n;
                }
                Ok(Err(message)) => panic!("{message}"),
                // Panicking here cannot stop the workers, but the test harness then
                // reports the hang instead of waiting forever in silence.
                Err(_) => panic!(
                    "watchdog: {} of {threads} threads still running after {WATCHDOG:?}",
                    threads - finished
                ),
            }
        }
        (finished * calls, elements)
    })
}

#[test]
fn eight_threads_share_one_instance() {
    let Some(sigmoid) = gpu() else { return };
    let started = Instant::now();
    let (calls, elements) = hammer(&[sigmoid], 8, 1000, 1);
    eprintln!(
        "8 threads × 1000 calls on one instance: {calls} calls, {elements} elements, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn several_instances_share_one_device() {
    let Some(_) = gpu() else { return };
    let adapter =
        pollster::block_on(adapter::select(&AdapterOptions::from_env().unwrap())).unwrap();
    let (device, queue) =
        pollster::block_on(adapter::open_device(&adapter, wgpu::Features::empty())).unwrap();
    let small_pieces = options(|o| {
        o.max_chunk_elements = 65_536;
    });
    let instances: Vec<Sigmoid> = (0..3)
        .map(|i| {
            let options = if i == 0 {
                Options::default()
            } else {
                small_pieces.clone()
            };
            Sigmoid::builder()
                .options(options)
                .build_with_device(device.clone(), queue.clone())
                .unwrap()
        })
        .collect();
    let refs: Vec<&Sigmoid> = instances.iter().collect();
    let (calls, _) = hammer(&refs, 6, 150, 2);
    assert_eq!(calls, 900);
}

/// Every API on `sigmoid` must fail with an error (never panic or hang), quickly.
fn every_call_fails(sigmoid: &Sigmoid, what: &str) -> Vec<Error> {
    let x = test_data(5 << 20, 3);
    let mut errors = Vec::new();
    for which in 0..5 {
        for len in [1, 4099, x.len()] {
            let started = Instant::now();
            let result = call(sigmoid, which, &x[..len]);
            let took = started.elapsed();
            match result {
                Err(error) => errors.push(error),
                Ok(_) => {
                    panic!("{what}: api {which} on {len} elements succeeded on a destroyed device")
                }
            }
            assert!(
                took < Duration::from_secs(5),
                "{what}: api {which} took {took:?}"
            );
        }
    }
    errors
}

#[test]
fn a_destroyed_device_gives_errors_and_a_new_instance_works() {
    let Some(_) = gpu() else { return };
    // An instance that owns its device: every call reports the loss as DeviceLost.
    let owned = gpu_with(Options::default()).unwrap().unwrap();
    let x = test_data(10_000, 4);
    owned.forward(&x).unwrap();
    owned.device().destroy();
    for error in every_call_fails(&owned, "own device") {
        assert!(matches!(error, Error::DeviceLost(_)), "{error:?}");
    }

    // On the caller's device (its default error handler panics on any uncaptured wgpu
    // error): calls still fail with an error, never a panic.
    let adapter =
        pollster::block_on(adapter::select(&AdapterOptions::from_env().unwrap())).unwrap();
    let (device, queue) =
        pollster::block_on(adapter::open_device(&adapter, wgpu::Features::empty())).unwrap();
    let borrowed = Sigmoid::builder()
        .build_with_device(device.clone(), queue)
        .unwrap();
    borrowed.forward(&x).unwrap();
    device.destroy();
    for error in every_call_fails(&borrowed, "caller's device") {
        assert!(matches!(error, Error::DeviceLost(_)), "{error:?}");
    }

    // A new instance works.
    let fresh = gpu_with(Options::default()).unwrap().unwrap();
    check(&x, &fresh.forward(&x).unwrap()).unwrap();
}

#[test]
fn a_wait_past_the_timeout_is_an_error_and_the_next_call_recovers() {
    let Some(_) = gpu() else { return };
    let impatient = gpu_with(options(|o| {
        o.timeout = Duration::from_nanos(1);
    }))
    .unwrap()
    .unwrap();
    let x = test_data(4 << 20, 5);
    let started = Instant::now();
    match impatient.forward(&x) {
        Err(Error::Timeout(limit)) => assert_eq!(limit, Duration::from_nanos(1)),
        // wgpu's GL backend has finished the work by the time submit returns (on
        // llvmpipe), so there is nothing left to wait for: a correct result is fine.
        Ok(y) if impatient.config().adapter.backend == wgpu::Backend::Gl => check(&x, &y).unwrap(),
        other => panic!("expected a timeout, got {:?}", other.map(|y| y.len())),
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The abandoned work finishes in the background; later calls start from fresh
    // buffers and either time out again or succeed, never return wrong data.
    for _ in 0..3 {
        match impatient.forward(&x[..1000]) {
            Ok(y) => check(&x[..1000], &y).unwrap(),
            Err(Error::Timeout(_)) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
}

#[test]
fn oversized_options_are_clamped_to_the_device() {
    let Some(shared) = gpu() else { return };
    let greedy = gpu_with(options(|o| {
        o.max_chunk_elements = u64::MAX;
        o.pieces_in_flight = 0;
        o.max_workgroups_per_dimension = 0;
    }))
    .unwrap()
    .unwrap();
    let limits = shared.device().limits();
    let binding = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size)
        / 4;
    assert!(greedy.config().max_chunk_elements <= binding);
    assert_eq!(greedy.config().pieces_in_flight, 1);
    // max_workgroups_per_dimension 0 becomes 1: a 1-wide grid, folded into y.
    let x = test_data(300_001, 6);
    check(&x, &greedy.forward(&x).unwrap()).unwrap();
}

/// Resident memory of this process (`VmRSS`), bytes.
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<u64>()
        .unwrap()
        * 1024
}

/// The lengths the leak workload cycles through (ragged, multi-piece, empty).
const LEAK_LENGTHS: [usize; 8] = [0, 1, 7, 1024, 4099, 65_536, 65_537, 200_003];
const LEAK_CALLS: usize = 10_000;
const WARM_UP_CALLS: usize = 1_000;

/// The workload of `memory_and_gpu_buffers_stay_flat_over_10000_calls`, run alone in
/// a child process so that other tests do not disturb its resident memory.
#[test]
#[ignore = "run by memory_and_gpu_buffers_stay_flat_over_10000_calls in a child process"]
fn leak_workload() {
    let sigmoid = gpu_with(options(|o| {
        o.max_chunk_elements = 65_536;
    }))
    .expect("an adapter")
    .unwrap();
    let inputs: Vec<Vec<f32>> = LEAK_LENGTHS
        .iter()
        .enumerate()
        .map(|(i, &n)| test_data(n, i as u64))
        .collect();
    let mut outputs: Vec<Vec<f32>> = inputs.iter().map(|x| vec![0.0; x.len()]).collect();
    let report = |label: &str, sigmoid: &Sigmoid| {
        let _ = sigmoid.device().poll(wgpu::PollType::wait_indefinitely());
        let counters = sigmoid.device().get_internal_counters();
        let Stats {
            buffers_created,
            bind_groups_created,
            submissions,
            ..
        } = stats(sigmoid);
        println!(
            "LEAK {label} rss={} live_buffers={} live_bind_groups={} buffers_created={buffers_created} bind_groups_created={bind_groups_created} submissions={submissions}",
            rss_bytes(),
            counters.hal.buffers.read(),
            counters.hal.bind_groups.read(),
        );
    };
    for call_index in 0..LEAK_CALLS {
        let i = call_index % LEAK_LENGTHS.len();
        match call_index % 3 {
            0 => sigmoid.forward_into(&inputs[i], &mut outputs[i]).unwrap(),
            1 => outputs[i] = sigmoid.forward(&inputs[i]).unwrap(),
            _ => {
                outputs[i].copy_from_slice(&inputs[i]);
                sigmoid.forward_in_place(&mut outputs[i]).unwrap();
            }
        }
        if call_index % 997 == 0 {
            check(&inputs[i], &outputs[i]).unwrap();
        }
        if call_index + 1 == WARM_UP_CALLS {
            report("warm", &sigmoid);
        }
    }
    report("end", &sigmoid);
}

/// Parses `key=value` from the child's `LEAK label ...` line.
fn leak_value(stdout: &str, label: &str, key: &str) -> i64 {
    let line = stdout
        .lines()
        .find(|l| l.contains(&format!("LEAK {label} ")))
        .unwrap_or_else(|| panic!("no LEAK {label} line in:\n{stdout}"));
    line.split_whitespace()
        .skip_while(|w| *w != "LEAK")
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

/// Growth of resident memory allowed between call 1 000 and call 10 000.
const RSS_GROWTH_BOUND: i64 = 16 << 20;

#[test]
fn memory_and_gpu_buffers_stay_flat_over_10000_calls() {
    let Some(_) = gpu() else { return };
    let started = Instant::now();
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "src::reliability::leak_workload",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&child.stderr)
    );
    let growth = leak_value(&stdout, "end", "rss") - leak_value(&stdout, "warm", "rss");
    eprintln!(
        "{LEAK_CALLS} calls in {:.1} s: RSS growth after warm-up {} KiB; live buffers {} → {}",
        started.elapsed().as_secs_f64(),
        growth / 1024,
        leak_value(&stdout, "warm", "live_buffers"),
        leak_value(&stdout, "end", "live_buffers"),
    );
    assert!(
        growth <= RSS_GROWTH_BOUND,
        "RSS grew {growth} bytes:\n{stdout}"
    );
    for key in [
        "live_buffers",
        "live_bind_groups",
        "buffers_created",
        "bind_groups_created",
    ] {
        assert_eq!(
            leak_value(&stdout, "warm", key),
            leak_value(&stdout, "end", key),
            "{key} changed after warm-up:\n{stdout}"
        );
    }
    // The counters are live: the pipeline's buffers show up in them.
    assert!(leak_value(&stdout, "end", "live_buffers") > 0, "{stdout}");
    assert_eq!(
        leak_value(&stdout, "end", "submissions") - leak_value(&stdout, "warm", "submissions"),
        // One submission per piece of 65 536: 200 003 elements are 4 pieces, empty
        // calls none, every other length one.
        (WARM_UP_CALLS..LEAK_CALLS)
            .map(|c| LEAK_LENGTHS[c % LEAK_LENGTHS.len()].div_ceil(65_536) as i64)
            .sum::<i64>(),
    );
}
