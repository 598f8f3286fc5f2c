"""The ``newsletter`` process: ``python -m newsletter`` and the ``newsletter`` command."""

import gc


def main() -> None:
    # the start's imports make objects that live as long as the process: the collector
    # would scan them over and over for nothing (``cli.run`` sets them aside, then
    # turns it back on)
    gc.disable()
    from newsletter.cli import run

    run()


if __name__ == "__main__":
    main()
