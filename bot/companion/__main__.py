"""``python -m bot.companion``: the same as ``reclaim hash``."""

from bot.companion.cli import main

# The guard matters: worker processes started with "spawn" import this module again.
if __name__ == "__main__":
    raise SystemExit(main())
