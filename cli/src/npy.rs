//! Reading and writing NumPy `.npy` files of little-endian `f32` (`<f4`), `f16`
//! (`<f2`) and bfloat16 bits (`<u2`, numpy having no bfloat16 dtype), in C or Fortran
//! order, whole or streamed in blocks. Sigmoid is elementwise, so the order only has to
//! be carried from the input's header to the output's.
//!
//! Only what the command-line tool needs, with a precise error for everything else.
//! Nothing is allocated from what a header claims: a shape of 2⁶⁰ elements costs
//! nothing until data is read, and reading stops with an error where the data ends.
//!
//! Why not the `npyz` crate: its header reader (0.8.4, `header::read_header`) allocates
//! `vec![0; header_size]` from the file's own 32-bit header length before reading it,
//! so a 12-byte file claiming a 4 GiB header costs 4 GiB; the fuzz tests
//! (`npy::fuzz_tests`) forbid any allocation sized by a header's claim. Its errors are
//! `io::Error`s whose text names neither the dtype found nor the lengths that
//! disagree, which the one-line messages of `wgpu-sigmoid apply` need. This module is
//! the few hundred lines that keep both promises.
//! The format: a magic string, a version, a header length, a Python-literal dict with
//! `descr`, `fortran_order` and `shape`, padding to a multiple of 64 bytes, then the data.

use std::io::{Read, Write};

/// The 6-byte magic string that starts every `.npy` file.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Why a `.npy` file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    /// An I/O error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The input has no bytes at all.
    #[error("empty input: expected a .npy file, got 0 bytes")]
    Empty,
    /// The file does not start with the `.npy` magic string.
    #[error("not a .npy file (no \\x93NUMPY magic string)")]
    NotNpy,
    /// The file is a zip archive, as `.npz` files (`numpy.savez`) are.
    #[error(
        "a .npz archive (or another zip file), not a .npy file: .npz archives are not supported; \
         extract one array first, e.g. `numpy.save('x.npy', numpy.load('archive.npz')['x'])` \
         or `unzip archive.npz x.npy`"
    )]
    Npz,
    /// A format version this reader does not know.
    #[error("unsupported .npy format version {0}.{1}")]
    UnsupportedVersion(u8, u8),
    /// The header is not a well-formed dict with `descr`, `fortran_order` and `shape`.
    #[error("malformed .npy header: {0}")]
    BadHeader(String),
    /// A dtype other than little-endian `f32` or `f16`.
    #[error(
        "unsupported dtype '{0}': only little-endian float32 ('<f4'), float16 ('<f2') and bfloat16 bits as uint16 ('<u2') are supported"
    )]
    UnsupportedDtype(String),
    /// A structured dtype (a list of named fields), which no GPU kernel here reads.
    #[error(
        "unsupported structured dtype {0}: only plain little-endian float32 ('<f4'), float16 \
         ('<f2') and bfloat16 bits as uint16 ('<u2') are supported; save one field as an array \
         of its own, e.g. `numpy.save('x.npy', a['field'])`"
    )]
    StructuredDtype(String),
    /// The shape's element or byte count does not fit in 64 bits.
    #[error("shape {shape:?} is too large: its {count} count overflows 64 bits")]
    ShapeOverflows {
        /// The shape from the header.
        shape: Vec<u64>,
        /// `"element"` or `"byte"`.
        count: &'static str,
    },
    /// The data section is shorter or longer than the shape says.
    #[error(
        "data is {actual} bytes but shape {shape:?} needs {expected} bytes (file truncated or corrupt)"
    )]
    WrongLength {
        /// The shape from the header.
        shape: Vec<u64>,
        /// Bytes the shape needs.
        expected: u64,
        /// Bytes present.
        actual: u64,
    },
}

/// The element types this module reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// Little-endian IEEE binary32, `<f4`.
    F32,
    /// Little-endian IEEE binary16, `<f2`.
    F16,
    /// bfloat16 bits stored as little-endian `uint16`, `<u2`: numpy has no bfloat16
    /// dtype, so this is how bfloat16 arrays are exchanged (e.g. `x.view(np.uint16)`).
    Bf16,
}

impl Dtype {
    /// The dtype of a `descr` string, if it is one of ours.
    #[must_use]
    pub fn from_descr(descr: &str) -> Option<Dtype> {
        match descr {
            "<f4" => Some(Dtype::F32),
            "<f2" => Some(Dtype::F16),
            "<u2" => Some(Dtype::Bf16),
            _ => None,
        }
    }

    /// The `descr` string numpy writes for it.
    #[must_use]
    pub fn descr(self) -> &'static str {
        match self {
            Dtype::F32 => "<f4",
            Dtype::F16 => "<f2",
            Dtype::Bf16 => "<u2",
        }
    }

    /// Bytes per element.
    #[must_use]
    pub fn size(self) -> u64 {
        match self {
            Dtype::F32 => 4,
            Dtype::F16 | Dtype::Bf16 => 2,
        }
    }
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "float32",
            Dtype::F16 => "float16",
            Dtype::Bf16 => "bfloat16",
        })
    }
}

#[cfg(any(test, feature = "test-support"))]
/// An array read from a `.npy` file, widened to `f32` (exactly, for `f16`).
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// Dimensions, outermost first; empty for a scalar.
    pub shape: Vec<u64>,
    /// The element type in the file.
    pub dtype: Dtype,
    /// Elements in C order.
    pub data: Vec<f32>,
}

/// The parsed header of a `.npy` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The `descr` field, e.g. `<f4`.
    pub descr: String,
    /// Whether the data is in Fortran order.
    pub fortran_order: bool,
    /// Dimensions, outermost first.
    pub shape: Vec<u64>,
    /// Bytes the header takes in the file (magic, version, length, dict, padding):
    /// the data starts at this offset.
    pub header_bytes: u64,
}

impl Header {
    /// Number of elements the shape describes, or `None` on overflow.
    #[must_use]
    pub fn elements(&self) -> Option<u64> {
        self.shape.iter().try_fold(1u64, |n, &d| n.checked_mul(d))
    }

    /// The element type, if `descr` is one this module supports.
    #[must_use]
    pub fn dtype(&self) -> Option<Dtype> {
        Dtype::from_descr(&self.descr)
    }

    /// Bytes of data the header announces, or `None` on overflow.
    #[must_use]
    pub fn data_bytes(&self) -> Option<u64> {
        self.elements()?.checked_mul(self.dtype()?.size())
    }

    /// Checks that a file of `file_bytes` holds exactly the data this header
    /// announces, so that a truncated file fails before any work is done.
    pub fn check_file_length(&self, file_bytes: u64) -> Result<(), NpyError> {
        let expected = self.data_bytes().unwrap_or(u64::MAX);
        let actual = file_bytes.saturating_sub(self.header_bytes);
        if actual == expected {
            Ok(())
        } else {
            Err(NpyError::WrongLength {
                shape: self.shape.clone(),
                expected,
                actual,
            })
        }
    }
}

/// Reads a header (everything before the data) and checks that it describes
/// little-endian `f32`, `f16` or bfloat16 bits.
pub fn read_header(reader: &mut impl Read) -> Result<Header, NpyError> {
    let mut magic = [0u8; 8];
    match read_fully(reader, &mut magic)? {
        0 => return Err(NpyError::Empty),
        8 => {}
        _ => return Err(NpyError::NotNpy),
    }
    if &magic[..6] != MAGIC {
        // Every zip file (a `.npz` included) starts with a local file header, or with
        // the end-of-archive record when empty.
        if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
            return Err(NpyError::Npz);
        }
        return Err(NpyError::NotNpy);
    }
    let (major, minor) = (magic[6], magic[7]);
    let length_field = if major == 1 { 2 } else { 4 };
    let header_len = match major {
        1 => {
            let mut len = [0u8; 2];
            read_exact_or(reader, &mut len, truncated_header())?;
            usize::from(u16::from_le_bytes(len))
        }
        2 | 3 => {
            let mut len = [0u8; 4];
            read_exact_or(reader, &mut len, truncated_header())?;
            // A lying length is bounded by the file: read_exact fails at its end.
            usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX)
        }
        _ => return Err(NpyError::UnsupportedVersion(major, minor)),
    };
    if header_len > 1 << 20 {
        return Err(NpyError::BadHeader(format!(
            "header length {header_len} is implausibly large"
        )));
    }
    let mut text = vec![0u8; header_len];
    read_exact_or(reader, &mut text, truncated_header())?;
    let text = String::from_utf8(text)
        .map_err(|_| NpyError::BadHeader("header is not valid text".into()))?;
    let mut header = parse_header(&text)?;
    header.header_bytes = (8 + length_field + header_len) as u64;
    if header.dtype().is_none() {
        return Err(NpyError::UnsupportedDtype(printable(&header.descr)));
    }
    let overflow = |count| NpyError::ShapeOverflows {
        shape: header.shape.clone(),
        count,
    };
    if header.elements().is_none() {
        return Err(overflow("element"));
    }
    if header.data_bytes().is_none() {
        return Err(overflow("byte"));
    }
    Ok(header)
}

#[cfg(any(test, feature = "test-support"))]
/// Reads a whole `.npy` file.
pub fn read(reader: &mut impl Read) -> Result<Array, NpyError> {
    let header = read_header(reader)?;
    let mut data_reader = DataReader::new(reader, &header)?;
    // Grow with the data actually read, never with what the header claims.
    let mut data = Vec::new();
    let mut block = vec![0.0; 1 << 16];
    while data_reader.remaining() > 0 {
        let n = usize::try_from(data_reader.remaining())
            .unwrap_or(usize::MAX)
            .min(block.len());
        data_reader.read(&mut block[..n])?;
        data.extend_from_slice(&block[..n]);
    }
    data_reader.finish()?;
    Ok(Array {
        dtype: data_reader.dtype,
        shape: header.shape,
        data,
    })
}

/// Streams the data section of a `.npy` file in blocks (as stored; for the tests, widened
/// to `f32`), and notices where it is shorter or longer than the header says.
#[derive(Debug)]
pub struct DataReader<R> {
    reader: R,
    dtype: Dtype,
    shape: Vec<u64>,
    expected_bytes: u64,
    read_bytes: u64,
}

impl<R: Read> DataReader<R> {
    /// Reads the data that follows `header` from `reader`.
    pub fn new(reader: R, header: &Header) -> Result<DataReader<R>, NpyError> {
        let dtype = header
            .dtype()
            .ok_or_else(|| NpyError::UnsupportedDtype(printable(&header.descr)))?;
        Ok(DataReader {
            reader,
            dtype,
            shape: header.shape.clone(),
            // An overflowing shape cannot be satisfied by any file: reading fails
            // where the data ends.
            expected_bytes: header.data_bytes().unwrap_or(u64::MAX),
            read_bytes: 0,
        })
    }

    /// Elements not read yet.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        (self.expected_bytes - self.read_bytes) / self.dtype.size()
    }

    /// The file's element type.
    #[must_use]
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// Fills `out` with the next `out.len()` elements (at most [`Self::remaining`]),
    /// widened to `f32`: for the tests (the tool streams each dtype as it is, by
    /// [`Self::read_raw`]).
    #[cfg(any(test, feature = "test-support"))]
    pub fn read(&mut self, out: &mut [f32]) -> Result<(), NpyError> {
        let elements = (out.len() as u64).min(self.remaining());
        let out = &mut out[..usize::try_from(elements).unwrap_or(usize::MAX)];
        match self.dtype {
            // Already the file's own type.
            Dtype::F32 => self.read_raw(out)?,
            Dtype::F16 | Dtype::Bf16 => {
                let mut stored = vec![0u8; out.len() * 2];
                let got = read_fully(&mut self.reader, &mut stored)?;
                self.count(got, out.len() * 2)?;
                let widen = match self.dtype {
                    Dtype::Bf16 => |b: [u8; 2]| half::bf16::from_le_bytes(b).to_f32(),
                    _ => |b: [u8; 2]| half::f16::from_le_bytes(b).to_f32(),
                };
                for (x, b) in out.iter_mut().zip(stored.chunks_exact(2)) {
                    *x = widen([b[0], b[1]]);
                }
            }
        }
        Ok(())
    }

    /// Fills `out` with the next elements in the file's own type, as they are stored
    /// (`T` must have the dtype's size: `f32`, or a 16-bit type); at most
    /// [`Self::remaining`] elements are read.
    pub fn read_raw<T: bytemuck::Pod>(&mut self, out: &mut [T]) -> Result<(), NpyError> {
        if size_of::<T>() as u64 != self.dtype.size() {
            return Err(NpyError::BadHeader(format!(
                "{}-byte elements requested from a {} file",
                size_of::<T>(),
                self.dtype
            )));
        }
        let elements = (out.len() as u64).min(self.remaining());
        let out = &mut out[..usize::try_from(elements).unwrap_or(usize::MAX)];
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(out);
        let got = read_fully(&mut self.reader, bytes)?;
        let wanted = bytes.len();
        self.count(got, wanted)?;
        if cfg!(target_endian = "big") {
            for element in bytes.chunks_exact_mut(size_of::<T>()) {
                element.reverse();
            }
        }
        Ok(())
    }

    fn count(&mut self, got: usize, wanted: usize) -> Result<(), NpyError> {
        self.read_bytes += got as u64;
        if got < wanted {
            return Err(self.wrong_length(self.read_bytes));
        }
        Ok(())
    }

    /// Checks that nothing follows the announced data.
    pub fn finish(&mut self) -> Result<(), NpyError> {
        let mut probe = [0u8; 4096];
        let mut extra = 0u64;
        loop {
            match self.reader.read(&mut probe) {
                Ok(0) => break,
                Ok(n) => extra += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(NpyError::Io(e)),
            }
            // Enough to report; do not read a long tail to the end.
            if extra >= 1 << 20 {
                break;
            }
        }
        if extra > 0 || self.read_bytes != self.expected_bytes {
            return Err(self.wrong_length(self.read_bytes + extra));
        }
        Ok(())
    }

    fn wrong_length(&self, actual: u64) -> NpyError {
        NpyError::WrongLength {
            shape: self.shape.clone(),
            expected: self.expected_bytes,
            actual,
        }
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_fully(reader: &mut impl Read, buf: &mut [u8]) -> Result<usize, NpyError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(NpyError::Io(e)),
        }
    }
    Ok(filled)
}

/// Writes the header for a little-endian C-order array of `shape` and `dtype` (format
/// 1.0, or 2.0 if the header does not fit in 64 KiB).
pub fn write_header(writer: &mut impl Write, shape: &[u64], dtype: Dtype) -> Result<(), NpyError> {
    write_header_in_order(writer, shape, dtype, false)
}

/// [`write_header`] for C order (`fortran_order` false) or Fortran order.
pub fn write_header_in_order(
    writer: &mut impl Write,
    shape: &[u64],
    dtype: Dtype,
    fortran_order: bool,
) -> Result<(), NpyError> {
    let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
    let shape_text = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': {}, 'shape': {shape_text}, }}",
        dtype.descr(),
        if fortran_order { "True" } else { "False" }
    );
    // Magic (6) + version (2) + length (2 or 4) + dict + padding + '\n' ≡ 0 (mod 64).
    for (version, len_bytes) in [(1u8, 2usize), (2, 4)] {
        let unpadded = 6 + 2 + len_bytes + dict.len() + 1;
        let total = unpadded.div_ceil(64) * 64;
        let header_len = total - 6 - 2 - len_bytes;
        if version == 1 && header_len > usize::from(u16::MAX) {
            continue;
        }
        writer.write_all(MAGIC)?;
        writer.write_all(&[version, 0])?;
        if version == 1 {
            writer.write_all(&(header_len as u16).to_le_bytes())?;
        } else {
            let len = u32::try_from(header_len)
                .map_err(|_| NpyError::BadHeader("shape too long to write".into()))?;
            writer.write_all(&len.to_le_bytes())?;
        }
        writer.write_all(dict.as_bytes())?;
        writer.write_all(&vec![b' '; header_len - dict.len() - 1])?;
        writer.write_all(b"\n")?;
        return Ok(());
    }
    Err(NpyError::BadHeader("shape too long to write".into()))
}

#[cfg(any(test, feature = "test-support"))]
/// Writes a whole C-order array of `shape`, its `f32` data rounded to `dtype`.
pub fn write(
    writer: &mut impl Write,
    shape: &[u64],
    dtype: Dtype,
    data: &[f32],
) -> Result<(), NpyError> {
    write_header(writer, shape, dtype)?;
    DataWriter::new(dtype).write(writer, data)
}

/// Writes elements in a `.npy` dtype (and, for the tests, `f32` rounded to
/// nearest-even to a 16-bit dtype).
#[derive(Debug)]
pub struct DataWriter {
    dtype: Dtype,
    /// Bytes on their way out: swapped to little-endian on a big-endian host, or narrowed.
    scratch: Vec<u8>,
}

impl DataWriter {
    /// A writer of `dtype` elements.
    #[must_use]
    pub fn new(dtype: Dtype) -> DataWriter {
        DataWriter {
            dtype,
            scratch: Vec::new(),
        }
    }

    /// Writes elements already in this writer's dtype (`T` of the dtype's size) as
    /// little-endian bytes.
    pub fn write_raw<T: bytemuck::Pod>(
        &mut self,
        writer: &mut impl Write,
        data: &[T],
    ) -> Result<(), NpyError> {
        if size_of::<T>() as u64 != self.dtype.size() {
            return Err(NpyError::BadHeader(format!(
                "{}-byte elements written to a {} file",
                size_of::<T>(),
                self.dtype
            )));
        }
        let bytes: &[u8] = bytemuck::cast_slice(data);
        if cfg!(target_endian = "little") {
            writer.write_all(bytes)?;
        } else {
            self.scratch.clear();
            for element in bytes.chunks_exact(size_of::<T>()) {
                self.scratch.extend(element.iter().rev());
            }
            writer.write_all(&self.scratch)?;
        }
        Ok(())
    }

    /// Writes `data` as little-endian elements of this writer's dtype, rounded to it:
    /// for the tests (the tool writes each dtype as it is, by [`Self::write_raw`]).
    #[cfg(any(test, feature = "test-support"))]
    pub fn write(&mut self, writer: &mut impl Write, data: &[f32]) -> Result<(), NpyError> {
        match self.dtype {
            // Already the file's own type.
            Dtype::F32 => self.write_raw(writer, data)?,
            Dtype::F16 => {
                self.scratch.clear();
                self.scratch.extend(
                    data.iter()
                        .flat_map(|&x| half::f16::from_f32(x).to_le_bytes()),
                );
                writer.write_all(&self.scratch)?;
            }
            Dtype::Bf16 => {
                self.scratch.clear();
                self.scratch.extend(
                    data.iter()
                        .flat_map(|&x| half::bf16::from_f32(x).to_le_bytes()),
                );
                writer.write_all(&self.scratch)?;
            }
        }
        Ok(())
    }
}

/// Header text as it may appear in a one-line error message: control characters such as
/// line breaks escaped, at most 80 characters.
fn printable(text: &str) -> String {
    // Control characters escaped, quotes kept: a dtype reads as Python wrote it.
    let mut shown: String = text
        .chars()
        .take(80)
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_debug().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    if text.chars().nth(80).is_some() {
        shown.push('…');
    }
    shown
}

fn truncated_header() -> NpyError {
    NpyError::BadHeader("file ends inside the header".into())
}

fn read_exact_or(reader: &mut impl Read, buf: &mut [u8], eof: NpyError) -> Result<(), NpyError> {
    match reader.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(eof),
        Err(e) => Err(NpyError::Io(e)),
    }
}

/// Parses the header dict, a Python literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
fn parse_header(text: &str) -> Result<Header, NpyError> {
    let mut parser = Parser {
        rest: text.trim_end_matches(['\n', ' ', '\0']),
    };
    let bad = |what: &str| NpyError::BadHeader(what.to_string());
    parser.expect('{')?;
    let (mut descr, mut fortran_order, mut shape) = (None, None, None);
    while !parser.eat('}') {
        let key = parser.string()?;
        parser.expect(':')?;
        match key.as_str() {
            "descr" if parser.at('[') => {
                return Err(NpyError::StructuredDtype(printable(parser.bracketed()?)));
            }
            "descr" => descr = Some(parser.string()?),
            "fortran_order" => fortran_order = Some(parser.boolean()?),
            "shape" => shape = Some(parser.tuple()?),
            other => return Err(bad(&format!("unexpected key '{}'", printable(other)))),
        }
        if !parser.eat(',') {
            parser.expect('}')?;
            break;
        }
    }
    if !parser.rest.trim().is_empty() {
        return Err(bad("text after the closing brace"));
    }
    Ok(Header {
        descr: descr.ok_or_else(|| bad("missing 'descr'"))?,
        fortran_order: fortran_order.ok_or_else(|| bad("missing 'fortran_order'"))?,
        shape: shape.ok_or_else(|| bad("missing 'shape'"))?,
        header_bytes: 0,
    })
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// Whether the next character (after spaces) is `c`; consumes nothing.
    fn at(&mut self, c: char) -> bool {
        self.skip_space();
        self.rest.starts_with(c)
    }

    /// A bracketed Python literal such as a structured dtype's
    /// `[('a', '<f4'), ('b', '<i4', (2,))]`, returned whole: brackets and parentheses
    /// nest, quoted strings may hold either.
    fn bracketed(&mut self) -> Result<&str, NpyError> {
        self.skip_space();
        let mut depth = 0usize;
        let mut quote = None;
        for (i, c) in self.rest.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '[' | '(') => depth += 1,
                (None, ']' | ')') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let (literal, rest) = self.rest.split_at(i + 1);
                        self.rest = rest;
                        return Ok(literal);
                    }
                }
                _ => {}
            }
        }
        Err(NpyError::BadHeader("unclosed bracket in 'descr'".into()))
    }

    fn expect(&mut self, c: char) -> Result<(), NpyError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(NpyError::BadHeader(format!(
                "expected '{c}' at `{}`",
                printable(self.rest)
            )))
        }
    }

    fn string(&mut self) -> Result<String, NpyError> {
        self.skip_space();
        let quote = match self.rest.chars().next() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(NpyError::BadHeader("expected a quoted string".into())),
        };
        let body = &self.rest[1..];
        let end = body
            .find(quote)
            .ok_or_else(|| NpyError::BadHeader("unterminated string".into()))?;
        self.rest = &body[end + 1..];
        Ok(body[..end].to_string())
    }

    fn boolean(&mut self) -> Result<bool, NpyError> {
        self.skip_space();
        for (word, value) in [("True", true), ("False", false)] {
            if let Some(rest) = self.rest.strip_prefix(word) {
                self.rest = rest;
                return Ok(value);
            }
        }
        Err(NpyError::BadHeader("expected True or False".into()))
    }

    fn tuple(&mut self) -> Result<Vec<u64>, NpyError> {
        self.expect('(')?;
        let mut dims = Vec::new();
        loop {
            if self.eat(')') {
                return Ok(dims);
            }
            self.skip_space();
            let digits = self.rest.len()
                - self
                    .rest
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .len();
            let dim = self.rest[..digits].parse::<u64>().map_err(|_| {
                NpyError::BadHeader("shape must be a tuple of non-negative integers".into())
            })?;
            self.rest = &self.rest[digits..];
            dims.push(dim);
            if !self.eat(',') {
                self.expect(')')?;
                return Ok(dims);
            }
        }
    }
}

#[cfg(test)]
mod fuzz_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(shape: &[u64], data: &[f32]) -> Array {
        let mut bytes = Vec::new();
        write(&mut bytes, shape, Dtype::F32, data).unwrap();
        assert_eq!(
            bytes.len() % 64,
            (data.len() * 4) % 64,
            "header is 64-byte aligned"
        );
        read(&mut bytes.as_slice()).unwrap()
    }

    #[test]
    fn roundtrips_shapes() {
        let data: Vec<f32> = (0..24).map(|i| i as f32 - 3.5).collect();
        for shape in [vec![24], vec![2, 3, 4], vec![24, 1], vec![]] {
            let n = shape.iter().product::<u64>() as usize;
            let array = roundtrip(&shape, &data[..n]);
            assert_eq!(array.shape, shape);
            assert_eq!(array.data, &data[..n]);
        }
        assert_eq!(roundtrip(&[0, 5], &[]).shape, vec![0, 5]);
    }

    #[test]
    fn float16_roundtrips_and_rounds_to_nearest_even() {
        let all: Vec<f32> = (0..=u16::MAX)
            .map(|b| half::f16::from_bits(b).to_f32())
            .collect();
        let mut bytes = Vec::new();
        write(&mut bytes, &[256, 256], Dtype::F16, &all).unwrap();
        let array = read(&mut bytes.as_slice()).unwrap();
        assert_eq!(array.dtype, Dtype::F16);
        assert_eq!(array.shape, vec![256, 256]);
        let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        assert!(all.iter().zip(&array.data).all(|(&a, &b)| same(a, b)));
        // 1 + 2^-11 lies halfway between two f16 values: ties go to even (1.0).
        let mut bytes = Vec::new();
        write(
            &mut bytes,
            &[2],
            Dtype::F16,
            &[1.0 + 2f32.powi(-11), 1.0 + 3.0 * 2f32.powi(-11)],
        )
        .unwrap();
        assert_eq!(
            read(&mut bytes.as_slice()).unwrap().data,
            [1.0, 1.0 + 2f32.powi(-9)]
        );
    }

    #[test]
    fn raw_elements_must_have_the_files_element_size() {
        let mut bytes = Vec::new();
        write(&mut bytes, &[2], Dtype::F16, &[1.0, 2.0]).unwrap();
        let mut input = bytes.as_slice();
        let header = read_header(&mut input).unwrap();
        let mut reader = DataReader::new(input, &header).unwrap();
        let error = reader.read_raw(&mut [0f32; 2]).unwrap_err();
        assert!(error.to_string().contains("4-byte elements"), "{error}");
        reader.read_raw(&mut [0u16; 2]).unwrap();
        let mut writer = DataWriter::new(Dtype::F32);
        let error = writer.write_raw(&mut Vec::new(), &[0u16; 2]).unwrap_err();
        assert!(error.to_string().contains("2-byte elements"), "{error}");
        writer.write_raw(&mut Vec::new(), &[0f32; 2]).unwrap();
    }

    #[test]
    fn parses_numpy_headers() {
        let h = parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }").unwrap();
        assert_eq!(h.shape, vec![3]);
        let h =
            parse_header("{\"shape\": (), \"fortran_order\": True, \"descr\": \"<f4\"}").unwrap();
        assert!(h.fortran_order);
        assert!(h.shape.is_empty());
        assert!(parse_header("{'descr': '<f4', 'fortran_order': False}").is_err());
        assert!(parse_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}").is_err());
        assert!(parse_header("'descr'").is_err());
    }

    /// Replaces the first `from` in `bytes` with `to` (same length).
    fn patch(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
        let mut patched = bytes.to_vec();
        patched[at..at + to.len()].copy_from_slice(to);
        patched
    }

    #[test]
    fn rejects_other_dtypes_and_orders() {
        let mut bytes = Vec::new();
        write(&mut bytes, &[2], Dtype::F32, &[1.0, 2.0]).unwrap();
        for (from, to, want) in [
            (&b"<f4"[..], &b">f4"[..], "dtype '>f4'"),
            (b"<f4", b"<f8", "dtype '<f8'"),
        ] {
            let err = read(&mut patch(&bytes, from, to).as_slice())
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn rejects_wrong_lengths_and_lying_shapes() {
        let mut bytes = Vec::new();
        write(&mut bytes, &[4], Dtype::F32, &[1.0; 4]).unwrap();
        let err = read(&mut &bytes[..bytes.len() - 1]).unwrap_err();
        assert!(matches!(
            err,
            NpyError::WrongLength {
                expected: 16,
                actual: 15,
                ..
            }
        ));
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0; 5]);
        let err = read(&mut longer.as_slice()).unwrap_err();
        assert!(matches!(
            err,
            NpyError::WrongLength {
                expected: 16,
                actual: 21,
                ..
            }
        ));
        let mut huge = Vec::new();
        write_header(&mut huge, &[1 << 40, 1 << 30], Dtype::F32).unwrap();
        let err = read(&mut huge.as_slice()).unwrap_err();
        assert!(
            matches!(
                err,
                NpyError::ShapeOverflows {
                    count: "element",
                    ..
                }
            ),
            "{err}"
        );
        assert!(matches!(
            read(&mut &b"PK\x03\x04 a zip"[..]),
            Err(NpyError::Npz)
        ));
        assert!(matches!(
            read(&mut &b"%PDF-1.7 not numpy"[..]),
            Err(NpyError::NotNpy)
        ));
        assert!(matches!(
            read(&mut &b"\x93NUMPY\x01"[..]),
            Err(NpyError::NotNpy)
        ));
        assert!(matches!(
            read(&mut &b"\x93NUMPY\x09\x00"[..]),
            Err(NpyError::UnsupportedVersion(9, 0))
        ));
    }
}
