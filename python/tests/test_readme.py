"""The README's Python examples run as written (README.md, section "Python")."""

import os
import re

import numpy as np

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", open(README).read(), flags=re.S)
    assert blocks
    for block in blocks:
        scope = {}
        exec(compile(block, "README.md", "exec"), scope)
        if "x" in scope and "y" in scope:
            # x was overwritten in place by its own sigmoid; y holds sigmoid(x).
            np.testing.assert_array_equal(
                scope["y"],
                np.array([2.0611537e-09, 2.6894143e-01, 5.0000000e-01, 7.3105860e-01, 1.0],
                         dtype=np.float32))
