//! The benchmark harness behind `wgpu-sigmoid bench`.

use wgpu_sigmoid_cli::bench;

use super::common::gpu;

#[test]
fn benchmark_reports_every_measurement() {
    let Some(sigmoid) = gpu() else { return };
    let report = bench::run(sigmoid, 4096 + 3, 2).unwrap();
    assert_eq!(report.rows.len(), bench::Measurement::ALL.len());
    for row in &report.rows {
        assert!(
            row.median_ms.is_finite() && row.median_ms >= 0.0,
            "{}: {}",
            row.name,
            row.median_ms
        );
    }
    let copy = report.row(bench::Measurement::CopyKernel).unwrap();
    assert!((copy.speed_vs_copy_kernel - 1.0).abs() < 1e-9);
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["elements"], 4099);
    assert_eq!(
        json["rows"].as_array().unwrap().len(),
        bench::Measurement::ALL.len()
    );
    assert!(report.to_string().contains("copy_buffer_to_buffer"));
}

#[test]
fn benchmark_times_the_selected_rows_and_the_references() {
    let Some(sigmoid) = gpu() else { return };
    let selected = [
        bench::Measurement::ForwardInto,
        bench::Measurement::KernelF16,
    ];
    let report = bench::run_with_progress(sigmoid, 4096 + 3, 2, &selected, &mut || {}).unwrap();
    let measured: Vec<_> = report.rows.iter().map(|row| row.measurement).collect();
    assert_eq!(
        measured,
        [
            bench::Measurement::SigmoidKernel,
            bench::Measurement::CopyKernel,
            bench::Measurement::ForwardInto,
            bench::Measurement::KernelF16,
        ]
    );
    let kernel = report.row(bench::Measurement::SigmoidKernel).unwrap();
    assert!((kernel.speed_vs_sigmoid_kernel - 1.0).abs() < 1e-9);
    let copy = report.row(bench::Measurement::CopyKernel).unwrap();
    assert!((copy.speed_vs_copy_kernel - 1.0).abs() < 1e-9);
}

/// The copy kernel (the ceiling every ratio is taken against) must copy: over several
/// dispatches of the library's own split (a small workgroup grid), and a length whose
/// last 3 elements are the scalar tail it leaves alone.
#[test]
fn the_copy_kernel_copies_across_the_librarys_dispatches() {
    use wgpu_sigmoid::{GpuTensor, Sigmoid};
    use wgpu_sigmoid_cli::copy::CopyKernel;
    if gpu().is_none() {
        return;
    }
    let sigmoid = Sigmoid::builder()
        .max_workgroups_per_dimension(2)
        .build()
        .unwrap();
    let len = 50_003u64;
    let dispatches = wgpu_sigmoid::test_support::dispatch_ranges(&sigmoid, len, 4);
    assert!(dispatches.len() > 3, "{dispatches:?}");
    let x: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 7.0).collect();
    let input = sigmoid.upload(&x).unwrap();
    let output: GpuTensor<f32> = sigmoid.zeros(len).unwrap();
    let copy = CopyKernel::new(&sigmoid);
    let mut encoder = sigmoid.device().create_command_encoder(&Default::default());
    copy.record(
        &sigmoid,
        &mut encoder,
        (input.buffer(), output.buffer()),
        len,
    );
    sigmoid.queue().submit([encoder.finish()]);
    let y = sigmoid.download(&output).unwrap();
    let whole = (len / 4 * 4) as usize;
    assert_eq!(&y[..whole], &x[..whole]);
    assert!(
        y[whole..].iter().all(|&v| v == 0.0),
        "the tail is not the kernel's"
    );
}
