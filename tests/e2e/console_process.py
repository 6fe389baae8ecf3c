"""Drive ``reclaim console`` as a real subprocess: write lines, wait for expected output."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class ConsoleProcess:
    """A running ``python -m bot console`` with its stdout collected in the background."""

    def __init__(
        self,
        data_dir: Path,
        *args: str,
        env: dict[str, str] | None = None,
        command: str = "console",
        new_session: bool = False,
    ) -> None:
        """Start ``python -m bot <command> <args>`` on ``data_dir``.

        ``new_session`` puts it in a process group of its own, so a test can send a signal to
        the whole group the way Ctrl-C in a terminal does.
        """
        full_env = {**os.environ, "RECLAIM_DATA_DIR": str(data_dir), "RECLAIM_LOG_LEVEL": "DEBUG"}
        full_env.pop("TELEGRAM_BOT_TOKEN", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", command, *args],
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=new_session,
        )
        self.output = ""
        self.errors = ""
        self._seen = 0
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, "output"), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, "errors"), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _pump(self, stream: object, attr: str) -> None:
        for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
            with self._lock:
                setattr(self, attr, getattr(self, attr) + line)

    def send(self, line: str) -> None:
        """Type one line."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def converse(self, steps: Sequence[tuple[str, str]]) -> None:
        """Type each line and wait for its expected reply, in order."""
        for line, reply in steps:
            self.send(line)
            self.expect(reply)

    def expect(self, text: str, timeout: float = 20.0) -> str:
        """Wait until ``text`` appears after what was already matched; return the new output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                index = self.output.find(text, self._seen)
                if index >= 0:
                    chunk = self.output[self._seen : index + len(text)]
                    self._seen = index + len(text)
                    return chunk
            if self.proc.poll() is not None and text not in self.output[self._seen :]:
                time.sleep(0.2)
                if text not in self.output[self._seen :]:
                    break
            time.sleep(0.02)
        raise AssertionError(
            f"did not see {text!r}; output after last match:\n{self.output[self._seen :]}\n"
            f"stderr:\n{self.errors}"
        )

    def close(self, timeout: float = 20.0) -> int:
        """End input and wait for a clean exit."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout)

    def wait(self, timeout: float = 20.0) -> int:
        """Wait for the process to end on its own; then all it wrote has been collected."""
        status = self.proc.wait(timeout)
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        for thread in self._threads:
            thread.join(timeout)
        return status

    def kill(self) -> None:
        """SIGKILL: no chance to clean up."""
        self.proc.kill()
        self.proc.wait(10)


def wait_for(check: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Poll ``check`` until it holds; fail after ``timeout`` seconds saying ``what`` never did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")
