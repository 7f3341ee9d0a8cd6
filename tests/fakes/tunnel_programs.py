"""Fake `cloudflared` and `tailscale` programs, put on PATH by the tunnel tests.

They take the arguments the real ones take and print what the real ones print, where they print
it (cloudflared logs to stderr: a box around the quick tunnel's address, or "failed to request
quick Tunnel"; `tailscale funnel` prints "Available on the internet:" and the node's ts.net
address to stdout, or a link to enable Funnel, and then waits). While up, they forward HTTP from a
local port to the target they were given, so a test can check a request through the tunnel
reaches the gateway; they run until SIGTERM (Ctrl+C for the real ones) or until killed.

How each run went is kept in the state folder (FAKE_TUNNEL_STATE): one JSON file per run with
its arguments, pid and forwarding port. FAKE_TUNNEL_MODE picks the behaviour: "up" (default),
"fail" (cloudflared cannot get a tunnel; tailscale's Funnel is not enabled), "flap" (it prints its
address, then dies half a second later, as a quick tunnel that loses its connection does).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

PROGRAM = r"""#!{python}
import http.server, json, os, random, signal, socketserver, string, sys, threading, time, urllib.request
from pathlib import Path

name = Path(sys.argv[0]).name
args = sys.argv[1:]
state = Path(os.environ["FAKE_TUNNEL_STATE"])
mode = os.environ.get("FAKE_TUNNEL_MODE", "up")
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

if name == "cloudflared":
    assert args[:2] == ["tunnel", "--no-autoupdate"] and args[2] == "--url", args
    target = args[3]
else:
    assert args[0] == "funnel" and len(args) == 2, args
    target = args[1]

class Forward(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        request = urllib.request.Request(target + self.path, headers={{k: v for k, v in self.headers.items() if k.lower() != "host"}})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                status, body, kind = answer.status, answer.read(), answer.headers.get("content-type", "")
        except urllib.error.HTTPError as exc:
            status, body, kind = exc.code, exc.read(), exc.headers.get("content-type", "")
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Forward)
threading.Thread(target=server.serve_forever, daemon=True).start()
run = {{"program": name, "args": args, "pid": os.getpid(), "port": server.server_address[1], "started": time.time()}}
word = lambda: "".join(random.choice(string.ascii_lowercase) for _ in range(6))

def log(line):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"{{stamp}} INF {{line}}", file=sys.stderr, flush=True)

if name == "cloudflared":
    log("Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to "
        "experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee. "
        "If you intend to use Tunnels in production you should use a pre-created named tunnel by following: "
        "https://developers.cloudflare.com/cloudflare-one/connections/connect-apps")
    log("Requesting new quick Tunnel on trycloudflare.com...")
    time.sleep(0.3)
    if mode == "fail":
        print('failed to request quick Tunnel: Post "https://api.trycloudflare.com/tunnel": dial tcp: '
              'lookup api.trycloudflare.com: no such host', file=sys.stderr, flush=True)
        sys.exit(1)
    url = f"https://{{word()}}-{{word()}}-{{word()}}-{{word()}}.trycloudflare.com"
    run["url"] = url
    (state / f"{{os.getpid()}}.json").write_text(json.dumps(run))
    log("+" + "-" * 92 + "+")
    log("|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |")
    log(f"|  {{url:<90}}|")
    log("+" + "-" * 92 + "+")
    log("Registered tunnel connection connIndex=0 location=ams01 protocol=quic")
else:
    if mode == "fail":
        print("\nFunnel is not enabled on your tailnet.\nTo enable, visit:\n\n"
              "         https://login.tailscale.com/f/funnel?node=nXk2hQ7CNTRL\n", flush=True)
        time.sleep(3600)
    url = "https://assistant-box.tail4c0ffee.ts.net"
    run["url"] = url
    (state / f"{{os.getpid()}}.json").write_text(json.dumps(run))
    print(f"Available on the internet:\n\n{{url}}/\n|-- / proxy {{target}}\n\nPress Ctrl+C to exit.", flush=True)

if mode == "flap":
    time.sleep(0.5)
    print("ERR Connection terminated error=\"connection lost\"", file=sys.stderr, flush=True)
    os._exit(1)
while True:
    time.sleep(1)
"""


def install(bin_dir: Path, state_dir: Path) -> dict[str, str]:
    """Write both programs into `bin_dir`; returns the environment to run the gateway with."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    for name in ("cloudflared", "tailscale"):
        path = bin_dir / name
        path.write_text(PROGRAM.format(python=sys.executable))
        path.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "FAKE_TUNNEL_STATE": str(state_dir)}


def runs(state_dir: Path) -> list[dict]:
    """Every run that got as far as an address, oldest first."""
    found = [json.loads(p.read_text()) for p in state_dir.glob("*.json")]
    return sorted(found, key=lambda run: run["started"])
