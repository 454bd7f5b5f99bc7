"""The grader's side of a kernel connection, with caps on what a kernel can send.

``CappedKernelManager``'s clients refuse any single message over
``MAX_MESSAGE_BYTES`` (the transport drops it before it is read into the grader's
memory); ``BoundedClient`` keeps at most ``OUTPUT_BUDGET`` bytes of cell output
per notebook, over every message type.
"""
from __future__ import annotations

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelManager
from nbclient import NotebookClient

OUTPUT_BUDGET = 2 * 1024 * 1024      # bytes of cell output kept in memory per notebook
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # a bigger message from the kernel is dropped unread
QUEUED_MESSAGES = 8                   # messages a socket holds unread (then the sender waits
                                      # or, on IOPub, drops): bounds what a flood queues here


# messages that carry no output and drive the cell's progress: never dropped
_CONTROL = frozenset({"status", "execute_input", "clear_output"})
ERROR_TEXT = 2000                     # characters of an error kept once the budget is spent


def _weight(value, depth=0) -> int:
    """About the bytes a decoded JSON value holds (no copy of it is made)."""
    if isinstance(value, str):
        return len(value)
    if depth > 64:                        # json's own nesting limit is far lower
        return 0
    if isinstance(value, dict):
        return sum(len(str(k)) + _weight(v, depth + 1) for k, v in value.items()) + 2
    if isinstance(value, (list, tuple)):
        return sum(_weight(v, depth + 1) for v in value) + 2
    return 8


def message_bytes(msg) -> int:
    """What a kernel message costs the grader: its content plus binary buffers."""
    return _weight(msg.get("content") or {}) + \
        sum(len(b) for b in msg.get("buffers") or ())


def _short_error(content) -> dict:
    """An error output cut to its name and the start of its message."""
    return {"ename": str(content.get("ename", "Error"))[:100],
            "evalue": str(content.get("evalue", ""))[:ERROR_TEXT],
            "traceback": ["(traceback not kept: the notebook's output budget was spent)"]}


class BoundedClient(NotebookClient):
    """NotebookClient that keeps at most OUTPUT_BUDGET bytes of whatever the kernel
    sends, counted over every message type (outputs, errors, display updates, comm
    messages) for the whole notebook.  Past the budget an error is kept cut short (a
    cell's failure stays known) and everything else is dropped unread.  Widget
    state is never stored and no comm gets a handler: the grader is no front end.
    """
    kept = 0
    dropped = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, store_widget_state=False, **kwargs)
        self.comm_open_handlers = {}

    def process_message(self, msg, cell, cell_index):
        kind = msg.get("msg_type")
        if kind not in _CONTROL:
            size = message_bytes(msg)
            if self.kept + size > OUTPUT_BUDGET:
                self.dropped += size
                if kind != "error" or self.kept > OUTPUT_BUDGET + 64 * ERROR_TEXT:
                    return None
                msg = {**msg, "content": _short_error(msg.get("content") or {})}
                size = message_bytes(msg)
            self.kept += size
        if kind.startswith("comm"):
            return None                   # no widget state, no handlers: nothing to keep
        return super().process_message(msg, cell, cell_index)


class CappedKernelManager(AsyncKernelManager):
    """Its clients refuse any single message over MAX_MESSAGE_BYTES (the
    transport drops it before it is read into the grader's memory)."""

    def client(self, **kwargs):
        ctx = zmq.asyncio.Context()
        ctx.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        ctx.setsockopt(zmq.RCVHWM, QUEUED_MESSAGES)
        self.contexts = [*getattr(self, "contexts", []), ctx]
        return super().client(context=ctx, **kwargs)

    def close_contexts(self):
        """The zmq contexts its clients used (a client given a context leaves it open)."""
        for ctx in getattr(self, "contexts", []):
            ctx.destroy(linger=0)
        self.contexts = []
