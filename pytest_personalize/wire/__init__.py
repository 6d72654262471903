"""The wire: what every mode reads off a request and puts on the wire in answer, written once.

A bottom layer beside :mod:`pytest_personalize.model`: it asks the model which operations,
routes and errors exist, and is used by the stubber, the fake, the server, the cassette and
``check`` alike. It never imports them.

- :mod:`.requests`: which Personalize API and operation a request is for, signed or not, the
  region and account it speaks for (its SigV4 credential scope, or its host), and whether a URL
  stays on this machine;
- :mod:`.decode`: a request body read as strict JSON, as AWS's JSON protocols read it;
- :mod:`.responses`: an answer's status, headers and body bytes, for AWS JSON 1.1 (the control
  plane) and REST-JSON (runtime and events), and the same answer as botocore's response object;
- :mod:`.exchange`: one request in, one encoded answer out, around a backend's ``call``.

Nothing is imported here, so that reading one of them loads no other.
"""
