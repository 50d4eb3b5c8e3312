"""What the memcached and Redis clients share: waiting for a server to
accept, and timing its first answer (resume to first answer)."""

import socket
import sys
import time


def hash_of(s):
    """FNV-1a of a string: the clients' deterministic values hang on it."""
    h = 2166136261
    for c in s.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def connect(open_conn, wait=30):
    """open_conn() until it connects, for at most wait seconds."""
    deadline = time.time() + wait
    while True:
        try:
            return open_conn()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.01)


def first(answers, timeout, errors=(OSError,)):
    """Print the ms until answers() is true, polling every 0.5 ms; a
    server not answering within timeout seconds ends the program."""
    t0 = time.time()
    deadline = t0 + float(timeout)
    while time.time() < deadline:
        try:
            if answers():
                print("%.1f" % ((time.time() - t0) * 1000))
                return
        except errors:
            time.sleep(0.0005)
    sys.exit("no answer")


class Conn:
    """A client connection to 127.0.0.1:port, read through a buffered file."""

    def __init__(self, port, timeout=10, nodelay=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if nodelay:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def close(self):
        self.file.close()
        self.sock.close()
