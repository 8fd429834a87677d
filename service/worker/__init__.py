"""The worker: claims stored deliveries and runs the handler registered for their event."""

from service.worker.registry import Handler, HandlerRegistry, Job, PermanentError
from service.worker.runner import Worker

__all__ = ["Handler", "HandlerRegistry", "Job", "PermanentError", "Worker"]
