"""redis-py (Debian's python3-redis) with its defaults through a Redis endpoint; prints one JSON line.

Debian's redis-py is 4.3.4, which speaks RESP2 only (RESP3, `protocol=3`, came in redis-py 5.0,
and PyPI is not reachable here), so this checks RESP2 with the defaults.
Usage: python3 redis_py_check.py '{"port":N,"user":…,"password":…,"keys":[…]}'
"""
import json
import sys

import redis

options = json.loads(sys.argv[1])
client = redis.Redis(
    host="127.0.0.1",
    port=options["port"],
    username=options.get("user"),
    password=options.get("password"),
    socket_timeout=30,
    socket_connect_timeout=10,
    decode_responses=True,
)
results = {"library": "redis-py " + redis.__version__}
hello = client.execute_command("HELLO")
results["proto"] = int(hello[hello.index("proto") + 1])
results["set"] = "OK" if client.set(options["keys"][0], "hello world") is True else "not OK"
results["get"] = client.get(options["keys"][0])
for i, key in enumerate(options["keys"]):
    client.set(key, "value-%d" % i)
results["mget"] = client.mget(options["keys"] + ["no-such-key"])
client.hset("client-hash", mapping={"f1": "v1", "f2": "v2", "f3": "v3"})
h = client.hgetall("client-hash")
results["hgetall"] = {"kind": type(h).__name__, "entries": h}
pipe = client.pipeline(transaction=False)
for i in range(100):
    if i % 2 == 0:
        pipe.set("pipe:%d" % i, str(i))
    else:
        pipe.get("pipe:%d" % (i - 1))
results["pipeline"] = [("OK" if r is True else r) for r in pipe.execute()]
client.close()
print(json.dumps(results))
