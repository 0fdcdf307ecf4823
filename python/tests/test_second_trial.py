"""What the second new-user trial found: pools that waited forever for a worker that
could not open its device, Ctrl-C that waited for the whole call, a timeout that could
not be switched off, and numpy's conventions (scalars, hints, help, dir, packaging).
Every wait here is bounded (``AsyncResult.get(timeout=…)``, ``pytest-timeout``,
``subprocess`` timeouts), so that a regression fails in a minute instead of hanging."""

import contextlib
import doctest
import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest

import wgpu_sigmoid
from wgpu_sigmoid import GpuError, Sigmoid

HERE = os.path.dirname(__file__)


def use(instance):
    """A pool task: one small call on a pickled instance."""
    return instance.sigmoid(np.zeros(4, np.float32))


@contextlib.contextmanager
def environment(**changes):
    """``os.environ`` with ``changes`` while the block runs (a spawned pool's workers
    start inside it, and keep it)."""
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.timeout(180)
def test_a_spawned_worker_without_the_device_reports_it_to_the_caller():
    g = Sigmoid(backend="vulkan")
    hidden = {"VK_ICD_FILENAMES": "/nonexistent", "VK_DRIVER_FILES": "/nonexistent"}
    with environment(**hidden):
        pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        with pytest.raises(GpuError, match="no (GPU adapter|adapter matches)"):
            pool.apply_async(use, (g,)).get(timeout=60)
        # The same pool still answers.
        assert pool.apply_async(os.getpid).get(timeout=60) > 0
    finally:
        pool.terminate()
        pool.join()


@pytest.mark.timeout(180)
def test_a_forked_worker_of_a_gl_instance_reports_it_to_the_caller():
    g = Sigmoid(backend="gl")
    with multiprocessing.get_context("fork").Pool(1) as pool:
        with pytest.raises(GpuError, match="'spawn'"):
            pool.map_async(use, [g]).get(timeout=60)
    # Unpickled in this very process, an instance opens its device at its first call.
    back = __import__("pickle").loads(__import__("pickle").dumps(g))
    assert "first call" in repr(back)
    assert back.sigmoid(np.float32(0)) == 0.5
    assert back.adapter.backend == "gl"


INTERRUPTED_CALL = r"""
import os, signal, threading, time
import numpy as np, wgpu_sigmoid as ws
# A process started in the background may inherit SIGINT ignored: restore Ctrl-C.
signal.signal(signal.SIGINT, signal.default_int_handler)
x = np.ones(2**28, np.float32)
z = np.full(2**28, np.nan, np.float32)
gpu = ws.Sigmoid()
gpu.sigmoid(x[:1000])
SETUP
sent = []
def interrupt():
    time.sleep(0.2)
    sent.append(time.monotonic())
    os.kill(os.getpid(), signal.SIGINT)
threading.Thread(target=interrupt).start()
started = time.monotonic()
try:
    CALL
    print("completed in", time.monotonic() - started)
except KeyboardInterrupt:
    print("interrupted after", time.monotonic() - sent[0])
# The call stopped part-way: some of its output was never written.
print("unwritten", int(np.count_nonzero(np.isnan(z) | (z == 1))))
y = gpu.sigmoid(x[:4099])
assert np.all(y == np.float32(0.7310586)), y
print("usable")
"""


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "setup, call",
    [
        ("", "gpu.sigmoid(x, out=z)"),
        ("z[:] = 1", "gpu.sigmoid(z, out=z)"),
        ("", "gpu.sigmoid_backward(x, x, out=z)"),
        ("ws.sigmoid(x[:10])", "ws.sigmoid(x, out=z)"),
    ],
)
def test_ctrl_c_interrupts_a_long_call_within_a_moment(setup, call):
    code = INTERRUPTED_CALL.replace("SETUP", setup).replace("CALL", call)
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "interrupted after" in out, out
    latency = float(out.split("interrupted after")[1].split()[0])
    # About one piece (4 Mi elements) or one check interval (50 ms).
    assert latency < 1.0, out
    assert int(out.split("unwritten")[1].split()[0]) > 0, out
    assert "usable" in out, out


def test_timeout_inf_means_no_limit_and_the_docstring_says_what_it_bounds():
    patient = Sigmoid(timeout=float("inf"))
    x = np.linspace(-10, 10, 5 << 20, dtype=np.float32)
    np.testing.assert_array_equal(patient.sigmoid(x), wgpu_sigmoid.sigmoid(x))
    head = " ".join(Sigmoid.__doc__.split("\n\n")[1].split())
    assert "bounds each wait" in head and "float('inf')" in head, head
    with pytest.raises(ValueError, match=r"float\('inf'\)"):
        Sigmoid(timeout=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_a_scalar_or_0d_input_gives_a_scalar_as_ufuncs_do(dtype):
    for x in [dtype(1.5), np.array(1.5, dtype)]:
        want = np.exp(x)  # what a ufunc gives
        for result in [wgpu_sigmoid.sigmoid(x), Sigmoid().sigmoid(x)]:
            assert type(result) is type(want) is dtype, (type(result), type(want))
            assert result == dtype(1 / (1 + np.exp(-1.5)))
        gradient = wgpu_sigmoid.sigmoid_backward(x, x)
        assert type(gradient) is dtype
    # With out= the result is out, as with ufuncs.
    out = np.empty((), np.float32)
    assert wgpu_sigmoid.sigmoid(np.float32(0), out=out) is out
    assert out[()] == 0.5
    # Arrays stay arrays.
    assert isinstance(wgpu_sigmoid.sigmoid(np.zeros((1,), np.float32)), np.ndarray)


def test_the_dtype_hint_fits_what_was_passed():
    for value in [[1.0, 2.0], 1.0]:
        with pytest.raises(TypeError, match=r"numpy\.asarray\(x, dtype=numpy\.float32\)"):
            wgpu_sigmoid.sigmoid(value)
    with pytest.raises(TypeError, match=r"x\.astype\(numpy\.float32\)"):
        wgpu_sigmoid.sigmoid(np.zeros(3))
    with pytest.raises(TypeError, match=r"numpy\.asarray\(dy, dtype=numpy\.float32\)"):
        wgpu_sigmoid.sigmoid_backward(np.zeros(2, np.float32), [0.0, 0.0])


def test_module_functions_have_full_docstrings_whose_examples_run():
    for function in [wgpu_sigmoid.sigmoid, wgpu_sigmoid.sigmoid_backward]:
        doc = function.__doc__
        for part in ["Parameters", "Returns", "Raises", "Examples"]:
            assert part in doc, (function.__name__, part)
    failed, attempted = doctest.testmod(wgpu_sigmoid, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert attempted >= 6 and failed == 0


def test_dir_lists_the_public_names_only():
    names = dir(wgpu_sigmoid)
    for public in wgpu_sigmoid.__all__:
        assert public in names
    for helper in ["Any", "Callable", "np", "os", "threading", "weakref", "dataclass"]:
        assert helper not in names, helper


def test_the_package_readme_stands_alone():
    readme = open(os.path.join(HERE, "..", "README.md")).read()
    assert "repository's README" not in readme
    for needed in [
        "pip install",
        "sigmoid_backward",
        "float16",
        "bfloat16",
        "out=",
        "NoAdapterError",
        "DeviceLostError",
        "GpuTimeoutError",
        "Sigmoid(",
        "minutes",
    ]:
        assert needed in readme, needed


def elf_section_names(path):
    """The section names of an ELF64 little-endian file (enough to see a symbol table)."""
    data = open(path, "rb").read()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, path
    shoff = int.from_bytes(data[0x28:0x30], "little")
    shentsize, shnum, shstrndx = (
        int.from_bytes(data[o : o + 2], "little") for o in (0x3A, 0x3C, 0x3E)
    )
    header = lambda i: data[shoff + i * shentsize : shoff + (i + 1) * shentsize]
    strtab = header(shstrndx)
    strings_at = int.from_bytes(strtab[0x18:0x20], "little")
    names = []
    for i in range(shnum):
        name_at = strings_at + int.from_bytes(header(i)[0:4], "little")
        names.append(data[name_at : data.index(b"\0", name_at)].decode())
    return names


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads an ELF file")
def test_the_installed_extension_is_stripped():
    native = wgpu_sigmoid._native.__file__
    names = elf_section_names(native)
    assert ".text" in names, names
    assert ".symtab" not in names and ".debug_info" not in names, names
