"""The examples of the README and the guides in docs/ run, and print what the text shows.

Every ```python block with `>>>` prompts is a doctest, run in order with one namespace per file. Blocks without
prompts are not run (they write files or need extras), but each must compile.
"""

import doctest
import re

import pytest

from conftest import REPO

FILES = ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))]
PYTHON = re.compile(r"```python\n(.*?)```", flags=re.S)


def python_blocks(name: str) -> list[str]:
    return PYTHON.findall((REPO / name).read_text(encoding="utf-8"))


EXAMPLES = [name for name in FILES if any(">>>" in b for b in python_blocks(name))]


@pytest.mark.parametrize("name", EXAMPLES)
def test_doc_examples(name):
    blocks = "\n".join(b for b in python_blocks(name) if ">>>" in b)
    test = doctest.DocTestParser().get_doctest(blocks, {}, name, name, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 5


@pytest.mark.parametrize("name", [name for name in FILES if any(">>>" not in b for b in python_blocks(name))])
def test_every_python_block_compiles(name):
    for block in python_blocks(name):
        if ">>>" not in block:
            compile(block, name, "exec")


def test_the_guides_have_examples():
    assert {"README.md", "docs/joins.md", "docs/gaps.md", "docs/adding-an-event.md", "docs/versioning.md"} <= \
        set(EXAMPLES)
