"""``--isolate``: train one recipe in a spawned subprocess with a wall-clock limit.

A segfault in a native kernel, the kernel's out-of-memory killer or a hung fit would otherwise
end (or stall) the whole nightly session. In a child process each of these becomes a
``TrainingFailed`` with its cause in one line, which every claim reading the recipe reports as
its ERROR, and the session goes on. The child is started with ``spawn`` (a fresh interpreter,
never a fork of a process that holds TensorFlow's threads) and sends the measured metrics back
through a pipe; the weights stay in the child.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import TrainingFailed

if TYPE_CHECKING:
    from harness.environment import Environment
    from harness.recipes import Recipe
    from harness.training.runner import RecipeRun

_KILL_GRACE_S = 10.0


def _child(sender: Connection, target: Callable[..., Any], args: tuple) -> None:
    """Run the target and send back ("ok", value), ("failed", message) or ("error", cause)."""
    try:
        outcome: tuple[str, Any] = ("ok", target(*args))
    except MemoryError:
        outcome = ("error", "ran out of memory (MemoryError)")
    except TrainingFailed as failure:
        outcome = ("failed", str(failure))
    except BaseException as error:  # everything the child hits is the recipe's failure
        lines = str(error).strip().splitlines()
        outcome = ("error", f"crashed: {type(error).__name__}: {lines[0] if lines else ''}"
                   .rstrip(": "))
    sender.send(outcome)
    sender.close()


def _exit_cause(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory? the kernel's OOM killer sends SIGKILL)" if (
            -code == signal.SIGKILL) else ""
        return f"was killed by {name}{hint}"
    return f"exited with status {code} without a result"


def call_isolated(target: Callable[..., Any], args: tuple, timeout: float, what: str) -> Any:
    """``target(*args)`` in a spawned child; its value, or ``TrainingFailed`` naming ``what``
    and the cause (crash, signal, MemoryError, timeout). ``target`` must be importable."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, target, args), daemon=True)
    process.start()
    sender.close()  # the child holds the only writer: its death reads as end-of-file here
    answered = False
    try:
        if not receiver.poll(timeout):
            raise TrainingFailed(f"{what} timed out after {timeout:g} s in its isolated "
                                 f"subprocess; raise --isolate-timeout or shrink the recipe")
        try:
            kind, payload = receiver.recv()
            answered = True
        except EOFError:
            process.join(_KILL_GRACE_S)
            raise TrainingFailed(f"{what}: its isolated subprocess "
                                 f"{_exit_cause(process.exitcode)}") from None
    finally:
        receiver.close()
        process.join(_KILL_GRACE_S if answered else 0)  # a hung child is not waited for
        if process.is_alive():
            process.kill()
            process.join()
    if kind == "failed":
        raise TrainingFailed(payload)
    if kind == "error":
        raise TrainingFailed(f"{what}: its isolated subprocess {payload}")
    return payload


def train_in_child(recipe: Recipe, data_dir: Path | None, train_cache: Path | None,
                   environment: Environment) -> RecipeRun:
    """What the child runs: resolve the data set and train every seed of the recipe."""
    from harness.training import dataset_for, train_recipe

    dataset = dataset_for(recipe, data_dir)
    return train_recipe(recipe, dataset, train_cache, environment)


def train_isolated(recipe: Recipe, data_dir: Path | None, train_cache: Path | None,
                   environment: Environment, timeout: float) -> RecipeRun:
    """Every seed of a recipe, trained in one spawned subprocess within ``timeout`` seconds."""
    what = (f"recipe {recipe.tutorial}/{recipe.name} ({recipe.profile}, seeds "
            f"{', '.join(map(str, recipe.seeds))})")
    return call_isolated(train_in_child, (recipe, data_dir, train_cache, environment), timeout,
                         what)
