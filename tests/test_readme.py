"""The README's examples run, and print what the README shows."""

import doctest
import re

from conftest import REPO


def test_readme_examples():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if ">>>" in b)
    assert blocks
    test = doctest.DocTestParser().get_doctest(blocks, {}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 5
