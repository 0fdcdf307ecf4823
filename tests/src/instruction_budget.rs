//! The f32 kernel's arithmetic budget: the SPIR-V instructions naga writes for the main
//! entry point `sigmoid_main`, counted per element as a GPU issues them, must stay
//! within [`BUDGET_PER_ELEMENT`], so that the kernel cannot silently grow again (issue
//! #19: an H200 at 4.8 TB/s has room for ≈ 56 issued instructions per element).
//!
//! How it counts: calls are expanded (each call costs its callee), bitcasts are free,
//! and so are declarations, labels, structured-control-flow markers, returns, and the
//! loads and stores of function-local variables (registers once compiled). A thread
//! works on one `vec4`, so an instruction with a `vec4` result is one instruction per
//! element, and every other instruction (index arithmetic, the bounds test, the 16-byte
//! load and store, uniform reads) is shared by four elements: ¼ per element.
//!
//! Which path: the common one, at the default dispatch shape (one `vec4` per
//! invocation). A loop is counted as one trip — its trip count is `VEC4_PER_INVOCATION`,
//! 1 by default (per element, more trips cost the same arithmetic and less shared
//! work) —, its test and increment included. An entry point's own `if` is its
//! bounds test, counted as taken; an `if` (without `else`) in a function it calls guards
//! a rare path — the subnormal results below x = −87.3 — and is counted as not taken:
//! its condition and branch count, its body does not. The test also prints the cost
//! with every rare path taken.

use std::collections::{HashMap, HashSet};

use naga::back::spv;

use super::shaders::{host_constants, processed};

/// Instructions per element of `sigmoid_main` that the test allows: what the shipped
/// kernel costs at one `vec4` per invocation (70.25; `--nocapture` prints each opcode's
/// share: 14 GLSL.std.450 calls — fma, round, clamp, min, max —, 5 selects, 5 splats,
/// 4 negations, …, and the shared scalar work: index arithmetic, loads, access chains).
/// It was 63 before the dispatch shape (issue #19): the +7.25 are the two loops over
/// `VEC4_PER_INVOCATION` (counters, tests, a second bounds test), counted at one trip,
/// which a driver that specialises the constant removes. Lower it when the kernel gets
/// cheaper; raising it needs a reason in the commit.
const BUDGET_PER_ELEMENT: f64 = 70.25;

const OP_NAME_ENTRY_POINT: u32 = 15;
const OP_TYPE_VECTOR: u32 = 23;
const OP_FUNCTION: u32 = 54;
const OP_FUNCTION_PARAMETER: u32 = 55;
const OP_FUNCTION_END: u32 = 56;
const OP_FUNCTION_CALL: u32 = 57;
const OP_VARIABLE: u32 = 59;
const OP_LOAD: u32 = 61;
const OP_STORE: u32 = 62;
const OP_ACCESS_CHAIN: u32 = 65;
const OP_BITCAST: u32 = 124;
const OP_LOOP_MERGE: u32 = 246;
const OP_SELECTION_MERGE: u32 = 247;
const OP_LABEL: u32 = 248;
const OP_BRANCH: u32 = 249;
const OP_BRANCH_CONDITIONAL: u32 = 250;
const OP_RETURN: u32 = 253;
const OP_RETURN_VALUE: u32 = 254;
const OP_LINE: u32 = 8;
const OP_NO_LINE: u32 = 317;
const STORAGE_CLASS_FUNCTION: u32 = 7;

/// One instruction: opcode and operands (the words after the first).
struct Instruction<'a> {
    opcode: u32,
    operands: &'a [u32],
}

fn instructions(words: &[u32]) -> Vec<Instruction<'_>> {
    let mut at = 5; // the header
    let mut all = Vec::new();
    while at < words.len() {
        let count = (words[at] >> 16) as usize;
        assert!(count > 0, "malformed SPIR-V at word {at}");
        all.push(Instruction {
            opcode: words[at] & 0xffff,
            operands: &words[at + 1..at + count],
        });
        at += count;
    }
    all
}

/// A SPIR-V literal string (UTF-8, NUL-terminated, packed little-endian in words).
fn literal_string(words: &[u32]) -> String {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The module as counted: each function's body, the `vec4` types, the entry points.
struct Module<'a> {
    functions: HashMap<u32, Vec<Instruction<'a>>>,
    vec4_types: HashSet<u32>,
    entry_points: HashMap<String, u32>,
}

impl<'a> Module<'a> {
    fn parse(words: &'a [u32]) -> Module<'a> {
        let mut module = Module {
            functions: HashMap::new(),
            vec4_types: HashSet::new(),
            entry_points: HashMap::new(),
        };
        let mut current: Option<(u32, Vec<Instruction<'a>>)> = None;
        for instruction in instructions(words) {
            match instruction.opcode {
                OP_NAME_ENTRY_POINT => {
                    let name = literal_string(&instruction.operands[2..]);
                    module.entry_points.insert(name, instruction.operands[1]);
                }
                OP_TYPE_VECTOR if instruction.operands[2] == 4 => {
                    module.vec4_types.insert(instruction.operands[0]);
                }
                OP_FUNCTION => current = Some((instruction.operands[1], Vec::new())),
                OP_FUNCTION_END => {
                    let (id, body) = current.take().expect("OpFunctionEnd outside a function");
                    module.functions.insert(id, body);
                }
                _ => {
                    if let Some((_, body)) = current.as_mut() {
                        body.push(instruction);
                    }
                }
            }
        }
        module
    }

    /// Adds each opcode's share of one call of `function` (issued instructions per
    /// element) to `by_opcode`. `entry`: whether `function` is the entry point (whose
    /// `if` is taken); `rare_paths`: whether the `if`s of called functions are taken.
    fn cost(
        &self,
        function: u32,
        entry: bool,
        rare_paths: bool,
        by_opcode: &mut HashMap<u32, f64>,
    ) {
        let body = &self.functions[&function];
        // Pointers into function-local variables (and access chains into them).
        let mut local: HashSet<u32> = HashSet::new();
        // The merge label of the `if` whose body is being skipped.
        let mut skipping_to: Option<u32> = None;
        let mut pending_merge: Option<u32> = None;
        for instruction in body {
            let operands = instruction.operands;
            if let Some(merge) = skipping_to {
                if instruction.opcode == OP_LABEL && operands[0] == merge {
                    skipping_to = None;
                }
                continue;
            }
            let cost = match instruction.opcode {
                OP_VARIABLE => {
                    assert_eq!(operands[2], STORAGE_CLASS_FUNCTION);
                    local.insert(operands[1]);
                    0.0
                }
                OP_LOOP_MERGE => {
                    pending_merge = Some(operands[0]);
                    0.0
                }
                OP_FUNCTION_CALL => {
                    self.cost(operands[2], false, rare_paths, by_opcode);
                    0.0
                }
                OP_SELECTION_MERGE => {
                    pending_merge = Some(operands[0]);
                    0.0
                }
                OP_BRANCH_CONDITIONAL => {
                    // A loop's exit test has its merge from the loop header (taken
                    // here); an `if` from its own selection merge.
                    let merge = pending_merge.take();
                    if let (Some(merge), false, false) = (merge, entry, rare_paths) {
                        assert_eq!(operands[2], merge, "only `if` without `else` is counted");
                        skipping_to = Some(merge);
                    }
                    0.25
                }
                OP_ACCESS_CHAIN if local.contains(&operands[2]) => {
                    local.insert(operands[1]);
                    0.0
                }
                OP_LOAD if local.contains(&operands[2]) => 0.0,
                OP_STORE if local.contains(&operands[0]) => 0.0,
                // Memory traffic and pointer arithmetic: once per thread.
                OP_LOAD | OP_STORE | OP_ACCESS_CHAIN => 0.25,
                OP_BITCAST
                | OP_FUNCTION_PARAMETER
                | OP_LABEL
                | OP_BRANCH
                | OP_RETURN
                | OP_RETURN_VALUE
                | OP_LINE
                | OP_NO_LINE => 0.0,
                _ if self.vec4_types.contains(&operands[0]) => 1.0,
                _ => 0.25,
            };
            *by_opcode.entry(instruction.opcode).or_default() += cost;
        }
    }
}

#[test]
fn the_f32_kernel_stays_within_its_instruction_budget() {
    let (module, info) = processed(
        wgpu_sigmoid::SIGMOID_WGSL,
        &host_constants(wgpu_sigmoid::DispatchShape::default(), &[]),
    );
    let words = spv::write_vec(&module, &info, &spv::Options::default(), None).unwrap();
    let parsed = Module::parse(&words);
    let main = parsed.entry_points["sigmoid_main"];
    let mut worst = HashMap::new();
    parsed.cost(main, true, true, &mut worst);
    println!(
        "sigmoid_main with every rare path taken: {} per element",
        worst.values().sum::<f64>()
    );
    let mut by_opcode = HashMap::new();
    parsed.cost(main, true, false, &mut by_opcode);
    let per_element: f64 = by_opcode.values().sum();
    let mut shares: Vec<_> = by_opcode.into_iter().filter(|&(_, c)| c > 0.0).collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("sigmoid_main: {per_element} issued instructions per element; by opcode: {shares:?}");
    // The counter sees the arithmetic: the kernel is far more than a copy.
    assert!(
        per_element > 20.0,
        "{per_element}: the counter missed the arithmetic"
    );
    assert!(
        per_element <= BUDGET_PER_ELEMENT,
        "sigmoid_main costs {per_element} instructions per element, over the budget of \
         {BUDGET_PER_ELEMENT}: find cheaper arithmetic, or raise the budget with a reason"
    );
}
