"""No network for this Python process: any connect or name lookup fails loudly.

Python runs this at start-up when this folder is on PYTHONPATH, so every auditdocs command a
test starts runs without a network. The test process installs the same guard (`patches`). Each
attempt raises `NetworkUsed` and is also written to the file named by $AUDITDOCS_NETGUARD_LOG,
so that an attempt the code caught and ignored is still seen by the test.
"""
import os
import socket

LOG_VARIABLE = "AUDITDOCS_NETGUARD_LOG"


class NetworkUsed(OSError):
    pass


def refuse(what: str, *args) -> None:
    message = f"network use refused: {what}{args!r}"
    log = os.environ.get(LOG_VARIABLE)
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(message + "\n")
    raise NetworkUsed(message)


def _refusing(what):
    def refused(*args, **kwargs):
        refuse(what, *args[1:] if args and isinstance(args[0], socket.socket) else args)

    return refused


def patches() -> list[tuple[object, str, object]]:
    """(object, attribute, replacement) for every way Python reaches the network."""
    out = [(socket.socket, name, _refusing(f"socket.{name}")) for name in ("connect", "connect_ex", "sendto")]
    out += [(socket, name, _refusing(name)) for name in
            ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "create_connection")]
    return out


if __name__ == "sitecustomize":  # started by Python itself (not imported by a test to use `patches`)
    for target, name, replacement in patches():
        setattr(target, name, replacement)
