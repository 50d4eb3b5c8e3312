#!/usr/bin/env python3
"""A Redis client for Zhuque's failure tests and benchmarks: speaks RESP
over TCP on 127.0.0.1 only, standard library only.

  redisclient.py first PORT TIMEOUT     wait for the first answer, print ms
  redisclient.py churn PORT SECONDS CONNS STATEFILE [PIPELINE]
        pipelined writes of every kind on CONNS connections until SECONDS
        pass (or STATEFILE.stop appears), reconnecting after every
        disconnect; writes every acknowledged write to STATEFILE
  redisclient.py check PORT STATEFILE   every acknowledged write is there
  redisclient.py load PORT KEYS         KEYS keys of every kind, for a sample check
  redisclient.py verify PORT KEYS [STEP]  every STEP-th of those read back
  redisclient.py info PORT             print run_id and uptime_in_seconds
  redisclient.py fill PORT MIB          MIB mebibytes of 64 KiB strings
  redisclient.py count PORT MIB         how many of those are intact
"""
import json
import os
import random
import sys
import threading
import time

import netwait
from netwait import hash_of


def value(key, version):
    """The value written under key at a version: deterministic; mostly
    10 B to 5 KiB, one in 25 up to 64 KiB, one in 200 up to 1 MiB."""
    h = hash_of("%s#%d" % (key, version))
    if h % 200 == 0:
        n = 65536 + h % (1048576 - 65536 + 1)
    elif h % 25 == 0:
        n = 5000 + h % 60000
    else:
        n = 10 + h % 5000
    unit = ("%s@%d;" % (key, version)).encode()
    return (unit * (n // len(unit) + 1))[:n]


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RedisError(Exception):
    pass


class Conn(netwait.Conn):
    def __init__(self, port, timeout=10):
        super().__init__(port, timeout, nodelay=True)

    def line(self):
        data = self.file.readline()
        if not data.endswith(b"\r\n"):
            raise ConnectionError("closed")
        return data[:-2]

    def reply(self):
        head = self.line()
        kind, rest = head[:1], head[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)
            if len(data) != n + 2:
                raise ConnectionError("closed")
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ConnectionError("bad reply %r" % head)

    def call(self, *args):
        self.sock.sendall(encode(*args))
        r = self.reply()
        if isinstance(r, RedisError):
            raise r
        return r

    def pipeline(self, cmds):
        self.sock.sendall(b"".join(encode(*c) for c in cmds))
        return [self.reply() for _ in cmds]


def connect(port, wait=30):
    return netwait.connect(lambda: Conn(port), wait)


def first(port, timeout):
    netwait.first(lambda: Conn(port, timeout=1).call("PING") == b"PONG",
                  timeout, (OSError, ConnectionError, RedisError))


# The writer's kinds. Each worker owns its keys, and the keys of one
# pipelined batch are distinct, so a write's outcome is known exactly when
# its reply came, and otherwise it may or may not have been applied.
#   str   SET k v                       last acked value, or a later unacked one
#   ttl   SET k v PX 1-2 h              the same, and a TTL left
#   short SET k v PX 50-2000 ms, each key once: gone once its time is up
#   hash  HSET k f v                    per field, as str
#   zset  ZADD k score m                per member, the score as str's value
#   list  RPUSH k e                     acked elements in order, nothing foreign
#   xadd  XADD k * f v                  every acked id with its value
KINDS = ["str"] * 4 + ["ttl", "short", "hash", "hash", "zset", "zset", "list", "xadd"]


def churn(port, seconds, conns, statefile, depth=16):
    stop_at = time.time() + float(seconds)
    lock = threading.Lock()
    counts = {"writes": 0, "reconnects": 0, "batches": 0}
    # slot -> last acked version; slot -> versions sent since, unacked
    acked, uncertain = {}, {}
    ttls = {}          # ttl slot -> PX of its acked version
    short = {}         # short key -> deadline (ack time + ttl), seconds
    lists = {}         # list key -> acked elements
    listmaybe = {}     # list key -> unacked elements
    streams = {}       # stream key -> {id: value version}

    def worker(w, rng):
        c = None
        seq = 0
        while time.time() < stop_at and not os.path.exists(statefile + ".stop"):
            batch, keys = [], set()
            while len(batch) < depth:
                kind = rng.choice(KINDS)
                seq += 1
                if kind == "short":
                    key = "s:%d:%d" % (w, seq)
                    ttl = rng.randint(50, 2000)
                    batch.append((kind, key, None, seq, ttl))
                    continue
                key = "%s:%d:%d" % (kind, w, rng.randrange({"str": 3000, "ttl": 500, "hash": 100,
                                                         "zset": 100, "list": 200, "xadd": 50}[kind]))
                field = None
                if kind in ("hash", "zset"):
                    field = "f%d" % rng.randrange(200)
                slot = (kind, key, field)
                if slot in keys:
                    continue
                keys.add(slot)
                ttl = rng.randint(3600000, 7200000) if kind == "ttl" else None
                batch.append((kind, key, field, seq, ttl))
            cmds = []
            for kind, key, field, ver, ttl in batch:
                slot = "%s|%s|%s" % (kind, key, field or "")
                v = value(slot, ver)
                if kind == "str":
                    cmds.append(("SET", key, v))
                elif kind in ("ttl", "short"):
                    cmds.append(("SET", key, v, "PX", ttl))
                elif kind == "hash":
                    cmds.append(("HSET", key, field, v))
                elif kind == "zset":
                    cmds.append(("ZADD", key, ver, field))
                elif kind == "list":
                    cmds.append(("RPUSH", key, v))
                else:
                    cmds.append(("XADD", key, "*", "v", v))
            with lock:
                for kind, key, field, ver, ttl in batch:
                    slot = "%s|%s|%s" % (kind, key, field or "")
                    if kind == "list":
                        listmaybe.setdefault(key, []).append(ver)
                    elif kind in ("str", "ttl", "hash", "zset"):
                        uncertain.setdefault(slot, []).append(ver)
            try:
                if c is None:
                    c = connect(port, wait=120)
                replies = c.pipeline(cmds)
            except (OSError, ConnectionError, ValueError):
                if c is not None:
                    c.close()
                c = None
                with lock:
                    counts["reconnects"] += 1
                time.sleep(0.005)
                continue
            now = time.time()
            with lock:
                for (kind, key, field, ver, ttl), r in zip(batch, replies):
                    slot = "%s|%s|%s" % (kind, key, field or "")
                    if isinstance(r, RedisError):
                        print("churn: %s: %s" % (slot, r), file=sys.stderr)
                        os._exit(2)
                    counts["writes"] += 1
                    if kind == "short":
                        short[key] = now + ttl / 1000.0
                    elif kind == "list":
                        listmaybe[key].remove(ver)
                        lists.setdefault(key, []).append(ver)
                    elif kind == "xadd":
                        streams.setdefault(key, {})[r.decode()] = ver
                    else:
                        acked[slot] = ver
                        uncertain[slot] = [x for x in uncertain.get(slot, []) if x > ver]
                        if kind == "ttl":
                            ttls[slot] = ttl
                counts["batches"] += 1

    threads = [threading.Thread(target=worker, args=(w, random.Random(w * 7919 + os.getpid())))
               for w in range(int(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(statefile, "w") as f:
        json.dump({"acked": acked, "uncertain": uncertain, "ttls": ttls, "short": short,
                   "lists": lists, "listmaybe": listmaybe, "streams": streams,
                   "counts": counts}, f)
    print("churn: %(writes)d acknowledged writes in %(batches)d batches, %(reconnects)d reconnects"
          % counts)


def check(port, statefile):
    st = json.load(open(statefile))
    c = connect(port)
    lost = 0

    def bad(msg):
        nonlocal lost
        lost += 1
        if lost <= 20:
            print("check: " + msg, file=sys.stderr)

    for slot, ver in st["acked"].items():
        kind, key, field = slot.split("|")
        ok = [ver] + st["uncertain"].get(slot, [])
        if kind in ("str", "ttl"):
            got = c.call("GET", key)
            if got not in [value(slot, v) for v in ok]:
                bad("%s lost its acknowledged version %d" % (slot, ver))
            if kind == "ttl":
                left = c.call("PTTL", key)
                if not 0 < left <= max(st["ttls"][slot], 7200000):
                    bad("%s has PTTL %d" % (slot, left))
        elif kind == "hash":
            if c.call("HGET", key, field) not in [value(slot, v) for v in ok]:
                bad("%s lost its acknowledged version %d" % (slot, ver))
        elif kind == "zset":
            got = c.call("ZSCORE", key, field)
            if got is None or int(float(got)) not in ok:
                bad("%s has score %r, acknowledged %d" % (slot, got, ver))
    for key, vers in st["lists"].items():
        slot = "list|%s|" % key
        maybe = set(st["listmaybe"].get(key, []))
        # Compared by bytes: a value shorter than its unit (10 to ~20
        # bytes) carries no version, so two versions can be the same
        # element, and a map from bytes to version took the first for
        # the last (false losses, one run in two).
        allowed = {value(slot, v) for v in list(vers) + list(maybe)}
        got = c.call("LRANGE", key, 0, -1)
        i = 0
        for e in got:
            if e not in allowed:
                bad("%s holds an element never written" % key)
                break
            if i < len(vers) and e == value(slot, vers[i]):
                i += 1
        if i != len(vers):
            bad("%s lost acknowledged elements (%d of %d in order)" % (key, i, len(vers)))
    for key, ids in st["streams"].items():
        slot = "xadd|%s|" % key
        got = {e[0].decode(): e[1][1] for e in c.call("XRANGE", key, "-", "+")}
        for i, ver in ids.items():
            if got.get(i) != value(slot, ver):
                bad("%s lost entry %s" % (key, i))
    now = time.time()
    expired = 0
    for key, deadline in st["short"].items():
        if now > deadline + 0.5:
            expired += 1
            if c.call("EXISTS", key) != 0:
                bad("%s outlived its TTL" % key)
    n = len(st["acked"]) + sum(len(v) for v in st["lists"].values()) + \
        sum(len(v) for v in st["streams"].values())
    print("%d acknowledged writes (%d keys and fields, %d list elements, %d stream entries), "
          "%d short-TTL keys expired as due; %d lost"
          % (st["counts"]["writes"], len(st["acked"]), sum(len(v) for v in st["lists"].values()),
             sum(len(v) for v in st["streams"].values()), expired, lost))
    sys.exit(1 if lost else 0)


def sample_key(i):
    return ["str", "hash", "zset", "list", "xadd", "ttl"][i % 6], "k:%d" % i


def load(port, keys):
    """KEYS keys, one of six kinds each, with deterministic contents."""
    c = connect(port)
    for base in range(0, keys, 500):
        cmds = []
        for i in range(base, min(keys, base + 500)):
            kind, key = sample_key(i)
            v = value(key, 0)
            cmds += {"str": [("SET", key, v)],
                     "ttl": [("SET", key, v, "EX", 86400)],
                     "hash": [("HSET", key, "a", v, "b", value(key, 1))],
                     "zset": [("ZADD", key, 1, "a", 2, "b", i, "c")],
                     "list": [("RPUSH", key, v, value(key, 1))],
                     "xadd": [("XADD", key, "%d-1" % (i + 1), "v", v)]}[kind]
        for r in c.pipeline(cmds):
            if isinstance(r, RedisError):
                sys.exit("load: %s" % r)
    print("%d keys" % keys)


def verify(port, keys, step=1):
    c = connect(port)
    bad = checked = 0
    for i in range(0, keys, step):
        kind, key = sample_key(i)
        v = value(key, 0)
        checked += 1
        if kind == "str":
            ok = c.call("GET", key) == v
        elif kind == "ttl":
            ok = c.call("GET", key) == v and 0 < c.call("TTL", key) <= 86400
        elif kind == "hash":
            ok = c.call("HGETALL", key) == [b"a", v, b"b", value(key, 1)]
        elif kind == "zset":
            ok = c.call("ZRANGE", key, 0, -1, "WITHSCORES") == [b"a", b"1", b"b", b"2", b"c", str(i).encode()]
        elif kind == "list":
            ok = c.call("LRANGE", key, 0, -1) == [v, value(key, 1)]
        else:
            got = c.call("XRANGE", key, "-", "+")
            ok = got == [[("%d-1" % (i + 1)).encode(), [b"v", v]]]
        if not ok:
            bad += 1
            if bad <= 10:
                print("verify: %s (%s) differs" % (key, kind), file=sys.stderr)
    size = c.call("DBSIZE")
    if size != keys:
        print("verify: DBSIZE %d, expected %d" % (size, keys), file=sys.stderr)
        bad += 1
    print("%d of %d sampled keys intact, DBSIZE %d" % (checked - bad if bad <= checked else 0, checked, size))
    sys.exit(1 if bad else 0)


def info(port):
    fields = dict(l.split(":", 1) for l in connect(port).call("INFO", "server").decode().split("\r\n")
                  if ":" in l)
    print(fields["run_id"], fields["uptime_in_seconds"])


def value_big(i):
    """64 KiB less a little, pseudo-random: an RDB file compresses
    repeated bytes (LZF), which would make its load look cheaper than for
    real data. A window of one random MiB, placed by i."""
    off = (i * 7919) % (len(NOISE) - 65536)
    return b"%08d" % i + NOISE[off:off + 65536 - 72]


NOISE = random.Random(1).randbytes(1 << 20)


def fill(port, mib):
    c = connect(port)
    n = mib * 16
    for base in range(0, n, 64):
        for r in c.pipeline([("SET", "big:%d" % i, value_big(i)) for i in range(base, min(n, base + 64))]):
            if r != b"OK":
                sys.exit("fill: %r" % r)
    print("%d items" % n)


def count(port, mib):
    c = connect(port)
    n = mib * 16
    good = 0
    for base in range(0, n, 64):
        got = c.pipeline([("GET", "big:%d" % i) for i in range(base, min(n, base + 64))])
        good += sum(1 for i, g in zip(range(base, n), got) if g == value_big(i))
    print("%d of %d items intact" % (good, n))
    sys.exit(0 if good == n else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    port = int(args[0])
    {"first": lambda: first(port, args[1]),
     "churn": lambda: churn(port, args[1], args[2], args[3], *(int(a) for a in args[4:5])),
     "check": lambda: check(port, args[1]),
     "load": lambda: load(port, int(args[1])),
     "verify": lambda: verify(port, int(args[1]), *(int(a) for a in args[2:3])),
     "info": lambda: info(port),
     "fill": lambda: fill(port, int(args[1])),
     "count": lambda: count(port, int(args[1]))}[cmd]()
