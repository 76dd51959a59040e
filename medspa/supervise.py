"""Keep background commands running: `python -m medspa.supervise "<command>" ...`.

gunicorn's master starts this (medspa/gunicorn.conf.py) for the task worker and
the periodic queue loop. A command that exits (the worker does when the
database goes away: SECURITY-REVIEW #5) is logged and started again, after a
delay that doubles while it keeps failing, so a long database outage costs a
retry every half minute rather than a busy loop. It is its own process, not a
thread in gunicorn's master: that master reaps every child it did not start
(waitpid(-1)), which would hide these commands' exit codes.

SIGTERM or SIGINT stops the commands and then this process; so does gunicorn's
master going away, so a killed server never leaves a worker behind.
"""

import logging
import os
import shlex
import signal
import subprocess
import sys
import time

logger = logging.getLogger("medspa.supervise")

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
# A command that ran this long was healthy: its next restart is quick again.
HEALTHY_SECONDS = 60.0
POLL_SECONDS = 0.5
STOP_TIMEOUT = 10.0


class Child:
    """One supervised command and when it may next be started."""

    def __init__(self, command: list[str]):
        self.command = command
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.delay = FIRST_DELAY
        self.start_at = 0.0

    def __str__(self) -> str:
        return shlex.join(self.command)

    def start(self) -> None:
        self.process = subprocess.Popen(self.command)
        self.started_at = time.monotonic()

    def check(self, now: float) -> None:
        """Start the command if it is due; note an exit and schedule the restart."""
        if self.process is None:
            if now >= self.start_at:
                self.start()
            return
        code = self.process.poll()
        if code is None:
            return
        if now - self.started_at >= HEALTHY_SECONDS:
            self.delay = FIRST_DELAY
        logger.error(
            "%s exited with code %s; starting it again in %.0f s",
            self,
            code,
            self.delay,
        )
        self.process = None
        self.start_at = now + self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def supervise(commands: list[list[str]]) -> None:
    """Run every command, restarting each that exits, until told to stop."""
    parent = os.getppid()
    children = [Child(command) for command in commands]
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stopping.append(signum))
    while not stopping:
        if os.getppid() != parent:
            logger.error("gunicorn's master went away; stopping the commands")
            break
        now = time.monotonic()
        for child in children:
            child.check(now)
        time.sleep(POLL_SECONDS)
    for child in children:
        child.stop()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        child.wait(deadline)


def main() -> None:
    logging.basicConfig(
        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s",
        level=logging.INFO,
    )
    supervise([shlex.split(command) for command in sys.argv[1:]])


if __name__ == "__main__":
    main()
