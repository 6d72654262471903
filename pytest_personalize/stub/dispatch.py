"""The two event handlers through which a client's stubbers see its requests and answer its calls.

A stubber works on its client's public events: ``before-parameter-build`` sees the request,
``before-call`` answers it. botocore inspects a handler's signature each time one is
registered, and a lent client whose handlers changed is checked at teardown handler by handler:
registering a stubber's own handlers at each test costs more than the rest of the stubber. So a
client carries one :class:`Dispatch`, which hands each event to the stubbers active on it. The
clients the plugin lends have theirs from the start, for good (:func:`wire`); any other client
gets one when its first stubber starts, taken off again when its last one stops.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.model import OperationModel

_PARAMETERS_EVENT = "before-parameter-build"
_CALL_EVENT = "before-call"
_HANDLER_ID = "pytest-personalize-stubber"


class Stubbing(Protocol):
    """What a dispatch calls on an active stubber."""

    def _check_request(self, params: dict[str, Any], model: OperationModel, context: dict[str, Any]) -> None: ...

    def _answer_call(self, model: OperationModel, context: dict[str, Any]) -> Any: ...


class Dispatch:
    """A client's two stubber handlers, and the stubbers active on the client, oldest first.

    Each request is checked by every active stubber, the newest first, and the call answered by
    the oldest that has an answer: as when each stubber registered its own handlers, the request
    check first among the client's, the answer after those registered before it.
    """

    def __init__(self, client: BaseClient, *, lasting: bool) -> None:
        # botocore names a client's events after its service id: personalize-runtime, not personalize.
        service = client.meta.service_model.service_id.hyphenize()
        self._events = client.meta.events
        self._parameters_event = f"{_PARAMETERS_EVENT}.{service}"
        self._call_event = f"{_CALL_EVENT}.{service}"
        self.stubbers: list[Stubbing] = []
        # Registered for good (a lent client's), or only while a stubber is active.
        self.lasting = lasting

    def register(self) -> None:
        self._events.register_first(self._parameters_event, self._check_request, unique_id=f"{_HANDLER_ID}-request")
        self._events.register(self._call_event, self._answer_call, unique_id=f"{_HANDLER_ID}-answer")

    def unregister(self) -> None:
        self._events.unregister(self._parameters_event, unique_id=f"{_HANDLER_ID}-request")
        self._events.unregister(self._call_event, unique_id=f"{_HANDLER_ID}-answer")

    def _check_request(self, params: dict[str, Any], model: OperationModel, context: dict[str, Any], **_: Any) -> None:
        for stubber in self.stubbers[::-1]:
            stubber._check_request(params, model, context)

    def _answer_call(self, model: OperationModel, context: dict[str, Any], **_: Any) -> Any:
        for stubber in self.stubbers[:]:
            answer = stubber._answer_call(model, context)
            if answer is not None:
                return answer
        return None


_dispatches: weakref.WeakKeyDictionary[BaseClient, Dispatch] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def wire(client: BaseClient) -> None:
    """Give ``client`` its dispatch for good: its stubbers then register nothing on it.

    While no stubber is active on it, the handlers do nothing.
    """
    with _lock:
        dispatch = _dispatches.get(client)
        if dispatch is None:
            dispatch = _dispatches[client] = Dispatch(client, lasting=True)
            dispatch.register()
        dispatch.lasting = True


def add(client: BaseClient, stubber: Stubbing) -> None:
    """Hand ``client``'s requests and calls to ``stubber`` too, until :func:`remove`."""
    with _lock:
        dispatch = _dispatches.get(client)
        if dispatch is None:
            dispatch = _dispatches[client] = Dispatch(client, lasting=False)
            dispatch.register()
        dispatch.stubbers.append(stubber)


def remove(client: BaseClient, stubber: Stubbing) -> None:
    """Undo :func:`add`; a dispatch that isn't for good leaves the client with its last stubber."""
    with _lock:
        dispatch = _dispatches.get(client)
        if dispatch is None:
            return
        if stubber in dispatch.stubbers:
            dispatch.stubbers.remove(stubber)
        if not dispatch.stubbers and not dispatch.lasting:
            dispatch.unregister()
            del _dispatches[client]
