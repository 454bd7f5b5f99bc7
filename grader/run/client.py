"""The grader's side of a kernel connection, with caps on what a kernel can send.

``CappedKernelManager``'s clients refuse any single message over
``MAX_MESSAGE_BYTES`` (the transport drops it before it is read into the grader's
memory); ``BoundedClient`` keeps at most ``OUTPUT_BUDGET`` bytes of cell output
per notebook.
"""
from __future__ import annotations

import json

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelManager
from nbclient import NotebookClient

OUTPUT_BUDGET = 2 * 1024 * 1024      # bytes of cell output kept in memory per notebook
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # a bigger message from the kernel is dropped unread


class BoundedClient(NotebookClient):
    """NotebookClient that keeps at most OUTPUT_BUDGET bytes of outputs."""
    kept = 0
    dropped = 0

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg["msg_type"] == "stream":
            size = len(content.get("text", ""))
        else:
            size = len(json.dumps(content, default=str))
        if self.kept + size > OUTPUT_BUDGET and msg["msg_type"] != "error":
            self.dropped += size
            return None
        self.kept += size
        return super().output(outs, msg, display_id, cell_index)


class CappedKernelManager(AsyncKernelManager):
    """Its clients refuse any single message over MAX_MESSAGE_BYTES (the
    transport drops it before it is read into the grader's memory)."""

    def client(self, **kwargs):
        ctx = zmq.asyncio.Context()
        ctx.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self.contexts = [*getattr(self, "contexts", []), ctx]
        return super().client(context=ctx, **kwargs)

    def close_contexts(self):
        """The zmq contexts its clients used (a client given a context leaves it open)."""
        for ctx in getattr(self, "contexts", []):
            ctx.destroy(linger=0)
        self.contexts = []
