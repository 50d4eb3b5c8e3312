#!/usr/bin/env python3
"""A memcached client for Zhuque's demo and failure tests: speaks the text
protocol over TCP on 127.0.0.1 only.

  mcclient.py load PORT KEYS          set KEYS keys, values of varied sizes
  mcclient.py verify PORT KEYS        read every key back and compare
  mcclient.py first PORT TIMEOUT      wait for the first answer, print ms
  mcclient.py churn PORT SECONDS CONNS STATEFILE
        sets and gets on CONNS connections until SECONDS pass (or STATEFILE
        .stop appears), reconnecting after every disconnect, and writes
        every acknowledged set (key -> version) to STATEFILE
  mcclient.py check PORT STATEFILE    every acknowledged value is there
  mcclient.py stats PORT              print curr_items total_items
  mcclient.py fill PORT MIB           store MIB mebibytes of 64 KiB values
  mcclient.py count PORT MIB          how many of those are still there
  mcclient.py flood PORT STATEFILE    store 64 KiB values until the server
        dies (or refuses one), then write every acknowledged key to STATEFILE
"""
import json
import os
import sys
import threading
import time

import netwait
from netwait import hash_of


def value(key, version=0):
    """The value stored under key at a version: deterministic, 10 B to 5 KiB."""
    n = 10 + (hash_of(key) + version * 7919) % 5000
    unit = ("%s@%d;" % (key, version)).encode()
    return (unit * (n // len(unit) + 1))[:n]


class Conn(netwait.Conn):
    def line(self):
        data = self.file.readline()
        if not data:
            raise ConnectionError("closed")
        return data

    def set(self, key, data):
        self.sock.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (key.encode(), len(data), data))
        return self.line() == b"STORED\r\n"

    def get(self, key):
        self.sock.sendall(b"get %s\r\n" % key.encode())
        head = self.line()
        if head == b"END\r\n":
            return None
        size = int(head.split()[3])
        data = self.file.read(size + 2)[:-2]
        if self.line() != b"END\r\n":
            raise ConnectionError("bad reply")
        return data

    def stats(self):
        self.sock.sendall(b"stats\r\n")
        out = {}
        while True:
            l = self.line().decode().split()
            if l[0] == "END":
                return out
            out[l[1]] = l[2]


def connect(port, wait=30):
    return netwait.connect(lambda: Conn(port), wait)


def load(port, keys):
    c = connect(port)
    total = 0
    for i in range(keys):
        k = "key:%d" % i
        v = value(k)
        if not c.set(k, v):
            sys.exit("load: key %s not stored" % k)
        total += len(v)
        if i and i % 25000 == 0:
            print("mcclient: loaded %d keys" % i, file=sys.stderr)
    print("%d keys, %d bytes" % (keys, total))


def verify(port, keys):
    c = connect(port)
    bad = 0
    for i in range(keys):
        k = "key:%d" % i
        if c.get(k) != value(k):
            bad += 1
    print("%d of %d keys intact" % (keys - bad, keys))
    sys.exit(1 if bad else 0)


def first(port, timeout):
    def answers():
        c = Conn(port, timeout=1)
        c.sock.sendall(b"version\r\n")
        return c.line().startswith(b"VERSION")
    netwait.first(answers, timeout)


def churn(port, seconds, conns, statefile):
    """Each connection owns its keys, so the last acknowledged version of a
    key is well defined. A set whose reply never came is uncertain: the
    key may hold it or the version before."""
    acked = {}
    uncertain = {}
    lock = threading.Lock()
    stop_at = time.time() + float(seconds)
    counts = {"sets": 0, "gets": 0, "reconnects": 0}

    def worker(w):
        version = {}
        n = 0
        c = None
        while time.time() < stop_at and not os.path.exists(statefile + ".stop"):
            try:
                if c is None:
                    c = connect(port, wait=60)
                k = "c%d:k%d" % (w, n % 2000)
                n += 1
                if n % 3:
                    v = version.get(k, -1) + 1
                    with lock:
                        uncertain[k] = v
                    if c.set(k, value(k, v)):
                        version[k] = v
                        with lock:
                            acked[k] = v
                            uncertain.pop(k, None)
                            counts["sets"] += 1
                else:
                    got = c.get(k)
                    want = version.get(k)
                    if want is not None and got != value(k, want):
                        with lock:
                            if uncertain.get(k) is None or got != value(k, uncertain[k]):
                                print("churn: %s read back wrong" % k, file=sys.stderr)
                                os._exit(2)
                    with lock:
                        counts["gets"] += 1
            except (OSError, ConnectionError, ValueError, IndexError):
                if c is not None:
                    c.close()
                c = None
                with lock:
                    counts["reconnects"] += 1
                time.sleep(0.005)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(int(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(statefile, "w") as f:
        json.dump({"acked": acked, "uncertain": uncertain, "counts": counts}, f)
    print("churn: %(sets)d acknowledged sets, %(gets)d gets, %(reconnects)d reconnects" % counts)


def check(port, statefile):
    state = json.load(open(statefile))
    c = connect(port)
    lost = 0
    want = (lambda k, v: value_big(int(k.split(":")[1]))) if state.get("big") else value
    for k, v in state["acked"].items():
        got = c.get(k)
        later = state["uncertain"].get(k)
        if got != want(k, v) and (later is None or got != want(k, later)):
            lost += 1
            print("check: %s lost its acknowledged version %d" % (k, v), file=sys.stderr)
    st = c.stats()
    print("%d acknowledged keys, %d lost; curr_items %s total_items %s evictions %s"
          % (len(state["acked"]), lost, st["curr_items"], st["total_items"], st["evictions"]))
    if int(st["curr_items"]) < len(state["acked"]):
        print("check: curr_items is below the keys acknowledged", file=sys.stderr)
        lost += 1
    sys.exit(1 if lost else 0)


def fill(port, mib):
    c = connect(port)
    for i in range(mib * 16):
        if not c.set("big:%d" % i, value_big(i)):
            sys.exit("fill: item %d not stored" % i)
    print("%d items" % (mib * 16))


def count(port, mib):
    c = connect(port)
    n = sum(1 for i in range(mib * 16) if c.get("big:%d" % i) == value_big(i))
    print("%d of %d items intact" % (n, mib * 16))
    sys.exit(0 if n == mib * 16 else 1)


def flood(port, statefile):
    """Every STORED is acknowledged: the server must keep it whatever
    ends it afterwards. One set without a reply is uncertain."""
    c = connect(port)
    acked = {}
    uncertain = {}
    i = 0
    try:
        while True:
            k = "big:%d" % i
            uncertain = {k: 0}
            if not c.set(k, value_big(i)):
                break
            acked[k] = 0
            uncertain = {}
            i += 1
    except (OSError, ConnectionError):
        pass
    with open(statefile, "w") as f:
        json.dump({"acked": {k: 0 for k in acked}, "uncertain": uncertain, "big": True}, f)
    print("%d items acknowledged" % len(acked))


def value_big(i):
    unit = b"%08d" % i
    return unit * (65536 // len(unit) - 8)


def stats(port):
    st = connect(port).stats()
    print(st["curr_items"], st["total_items"])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    port = int(args[0])
    {"load": lambda: load(port, int(args[1])),
     "verify": lambda: verify(port, int(args[1])),
     "first": lambda: first(port, args[1]),
     "churn": lambda: churn(port, args[1], args[2], args[3]),
     "check": lambda: check(port, args[1]),
     "stats": lambda: stats(port),
     "fill": lambda: fill(port, int(args[1])),
     "count": lambda: count(port, int(args[1])),
     "flood": lambda: flood(port, args[1])}[cmd]()
