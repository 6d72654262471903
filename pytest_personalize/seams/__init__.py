"""Every place the plugin touches a dependency's internals: botocore, aiobotocore and moto.

Public hooks serve wherever they reach (a client's own events, moto's ``patch_client``); what
must reach every client of the process, whoever made it and when, has none, so it is here, one
function per internal, each naming what it depends on and why no public hook serves:

- :mod:`.botocore` -- a client made by any session (``BaseClient.__init__``), the HTTP send
  (``URLLib3Session.send``), the credentials a signature uses (``SigV4Auth.add_auth``), the
  retry back-off's sleep (``botocore.endpoint.time``), and what a client's behaviour hangs on
  (its event emitter's handler trie), for the client pool;
- :mod:`.aiobotocore` -- its HTTP sessions' ``send`` and its client class;
- :mod:`.moto` -- the ``before-send`` handler moto answers every service from;
- :mod:`.patching` -- :func:`~.patching.patch_on_top`, through which every patch above goes:
  undone only while still on top, so another tool that patched over ours keeps its place.

Which of the plugin's modes a patched hook serves is decided elsewhere, in one registry
(:mod:`pytest_personalize._answering`). Nothing here imports a dependency at load time.
"""
