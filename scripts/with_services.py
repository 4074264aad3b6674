"""Run one command with the PostgreSQL and Redis that scripts/services.py chooses.

    python scripts/with_services.py {run,test,bench} [--database NAME] -- COMMAND [ARG...]

Starts the embedded PostgreSQL when no other server is given, creates the database,
exports DATABASE_URL and REDIS_URL to the command, and stops the embedded server when the
command ends, however it ends: normally, Ctrl-C, or the wrapper (or its parent, make) being
killed. The command runs in its own process group, which owns the terminal while it runs
and is ended as a whole, so a server, its autoreloader and a Celery worker go together.
"""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
if str(BASE_DIR) not in sys.path:
    sys.path.insert(0, str(BASE_DIR))

from scripts.services import MODES, Plan, plan_services, services  # noqa: E402

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def read_environment() -> dict[str, str]:
    """os.environ with .env read under it; a variable set but empty counts as unset."""
    import environ

    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            os.environ.pop(name, None)
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    return dict(os.environ)


def describe(plan: Plan, env: dict[str, str]) -> str:
    database = (f"embedded PostgreSQL, data in {plan.data_dir}" if plan.embedded
                else "PostgreSQL")
    redis = env["REDIS_URL"] or "none: Celery runs tasks in process"
    return f"{database}: DATABASE_URL={env['DATABASE_URL']}\nRedis: {redis}"


def _die_with_parent() -> None:
    """Linux: receive SIGTERM if make dies without passing its signal on."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _foreground_tty() -> int | None:
    """The terminal's descriptor when this process group is in its foreground."""
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return fd
        except OSError:
            continue
    return None


def _give_terminal(fd: int, pgid: int) -> None:
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(fd, pgid)
    except OSError:
        pass
    finally:
        signal.signal(signal.SIGTTOU, previous)


def run_command(command: list[str], env: dict[str, str]) -> int:
    """Run `command` in its own process group; forward signals to the whole group; return
    its exit status (128 + N when signal N ended it)."""
    group: list[int] = []

    def forward(signum, _frame):
        if group:
            try:
                os.killpg(group[0], signum)
            except ProcessLookupError:
                pass
        elif signum != signal.SIGINT:
            raise SystemExit(128 + signum)
        else:
            raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    tty = _foreground_tty()
    try:
        child = subprocess.Popen(command, env=env, process_group=0)
        group.append(child.pid)
        if tty is not None:
            _give_terminal(tty, child.pid)
        returncode = child.wait()
    finally:
        if tty is not None:
            _give_terminal(tty, os.getpgrp())
        if group:
            try:  # whatever the command left behind in its group
                os.killpg(group[0], signal.SIGTERM)
            except ProcessLookupError:
                pass
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return returncode if returncode >= 0 else 128 - returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--database", default="crm", help="database name (default crm)")
    parser.add_argument("command", nargs="+", help="after --: the command and its arguments")
    args = parser.parse_args(argv)
    _die_with_parent()
    env = read_environment()
    plan = plan_services(args.mode, args.database, env)
    # From here on, a SIGTERM (kill, or make dying) unwinds through the cleanup below.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    signal.signal(signal.SIGHUP, lambda signum, _frame: sys.exit(128 + signum))
    import psycopg2

    try:
        with services(plan) as exports:
            env.update(exports)
            print(describe(plan, env), flush=True)
            return run_command(args.command, env)
    except psycopg2.OperationalError as error:
        print(f"PostgreSQL at {plan.database_url or plan.data_dir} cannot be used: {error}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
