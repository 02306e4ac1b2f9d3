"""Running workflows: the run loop, the result cache and the executors."""

from .runner import Engine, NodeResult, RunHandle

__all__ = ["Engine", "NodeResult", "RunHandle"]
