"""``python -m bot``: the same as the ``reclaim`` command."""

from bot.cli import main

raise SystemExit(main())
