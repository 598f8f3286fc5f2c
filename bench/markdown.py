"""Rendering time of news bodies, ordinary and pathological (python -m bench.markdown).

Prints, for each input, the seconds ``to_safe_html`` takes: the Markdown renderer must
stay linear in the input (1 MB of ``![`` cost 54 s with the former renderer). The
forms refuse texts over NEWS_MAX_BODY before rendering; the 1 MB rows show what the
renderer alone would cost.
"""

from __future__ import annotations

import time

from newsletter.text import to_safe_html

CASES = {
    "ordinary text": "Un **texte** ordinaire avec un [lien](https://example.org).\n\n",
    "![": "![",
    "[": "[",
    "[a](": "[a](",
    "*a": "*a",
    "<": "<",
    "> ": "> ",
    "`a": "`a",
}


def main() -> None:
    for size in (20_000, 1_000_000):
        for name, unit in CASES.items():
            source = unit * (size // len(unit))
            start = time.perf_counter()
            to_safe_html(source, "markdown")
            print(f"{size:>9} chars  {name:<14} {time.perf_counter() - start:7.3f} s")


if __name__ == "__main__":
    main()
