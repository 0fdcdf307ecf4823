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
