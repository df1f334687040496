#!/usr/bin/env python3
"""A misbehaving HTTP proxy in front of a real registry, for nook's fault-injection e2e tests.

It forwards every request to a plain-HTTP registry on loopback and, as the options say:
  --fail-first N     answers HTTP 500 to the first N requests
  --cut-blob K       cuts the first blob GET (/v2/.../blobs/...) after K body bytes by closing the
                     connection; later requests forward their Range header, so a client can resume
  --delay S          waits S seconds before every answer
  --flip-blob        flips one byte of every blob body
  --bad-manifest     serves manifest GET bodies that are not JSON (no Docker-Content-Digest)
  --media-type T     sets the media type of the first layer in image manifests to T (GET and
                     HEAD, Docker-Content-Digest updated)
  --lie-size D       adds D to the declared size of the first layer in image manifests (GET and
                     HEAD), with Docker-Content-Digest updated to match: a valid manifest that lies
  --token-expiry T   demands bearer tokens (401 with a challenge naming its own /token endpoint),
                     which it issues with expires_in T and refuses once T seconds have passed
  --token-claim C    with --token-expiry: tell clients expires_in C instead of T (C > T makes
                     the proxy refuse tokens the client still believes valid)
Every request is logged to --log as "METHOD PATH range=RANGE auth=KIND -> STATUS".
It binds 127.0.0.1 only, prints its port on stdout once it listens, and exits 0 on SIGTERM.
Standard library only.
"""

import argparse
import hashlib
import http.client
import json
import http.server
import secrets
import signal
import sys
import threading
import time

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length", "host"}


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = 0
        self.cut_done = False
        self.tokens = {}  # token -> expiry (monotonic)
        self.port = 0
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def write_log(self, line):
        if self.log:
            with self.lock:
                self.log.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault-proxy"
    state = None  # set in main()

    def log_message(self, fmt, *args):  # quiet: our own log is enough
        pass

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def log_request_line(self, status):
        auth = self.headers.get("Authorization", "")
        kind = auth.split(" ", 1)[0].lower() if auth else "-"
        self.state.write_log(f"{self.command} {self.path} range={self.headers.get('Range', '-')} "
                             f"auth={kind} -> {status}")

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.log_request_line(status)

    def check_token(self):
        """True when the request may pass; otherwise answers it (401 or a token) and returns False."""
        st = self.state
        expiry = st.args.token_expiry
        if self.path.startswith("/token"):
            token = secrets.token_hex(16)
            with st.lock:
                st.tokens[token] = time.monotonic() + expiry
            claimed = st.args.token_claim if st.args.token_claim is not None else expiry
            body = ('{"token": "%s", "expires_in": %d}' % (token, claimed)).encode()
            self.reply(200, body, [("Content-Type", "application/json")])
            return False
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            with st.lock:
                until = st.tokens.get(auth[7:])
            if until is not None and time.monotonic() < until:
                return True
        challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="fault-proxy"' % st.port
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        self.reply(401, body, [("WWW-Authenticate", challenge), ("Content-Type", "application/json")])
        return False

    def handle_any(self):
        st = self.state
        args = st.args
        length = int(self.headers.get("Content-Length") or 0)
        request_body = self.rfile.read(length) if length else b""
        with st.lock:
            st.requests += 1
            number = st.requests
        if number <= args.fail_first:
            self.reply(500, b"fault-proxy: injected failure\n", [("Content-Type", "text/plain")])
            return
        if args.token_expiry is not None and not self.check_token():
            return
        if args.delay:
            time.sleep(args.delay)

        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP and k.lower() != "authorization"}
        is_manifest = "/manifests/" in self.path
        # A lying manifest is computed from the real one, also for HEAD (its digest header).
        rewrite = bool(args.lie_size or args.media_type)
        method = "GET" if rewrite and is_manifest and self.command == "HEAD" else self.command
        upstream = http.client.HTTPConnection(args.upstream, timeout=60)
        try:
            upstream.request(method, self.path, body=request_body if request_body else None, headers=headers)
            response = upstream.getresponse()
            try:
                body = response.read()
            except http.client.IncompleteRead as e:  # e.g. a 416 that announces the blob's length
                body = e.partial
            status = response.status
            out_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
        except OSError as e:
            self.reply(502, f"fault-proxy: upstream: {e}\n".encode())
            return
        finally:
            upstream.close()

        is_blob = "/blobs/" in self.path and "/uploads" not in self.path
        if self.command in ("GET", "HEAD") and is_manifest and status == 200 and rewrite:
            manifest = json.loads(body)
            if manifest.get("layers"):
                manifest["layers"][0]["size"] += args.lie_size
                if args.media_type:
                    manifest["layers"][0]["mediaType"] = args.media_type
                body = json.dumps(manifest, separators=(",", ":")).encode()
                digest = "sha256:" + hashlib.sha256(body).hexdigest()
                out_headers = [(k, v) for k, v in out_headers if k.lower() != "docker-content-digest"]
                out_headers.append(("Docker-Content-Digest", digest))
        if self.command == "GET" and "/manifests/" in self.path and status == 200 and args.bad_manifest:
            body = b"this is not a manifest <html>\n"
            out_headers = [(k, v) for k, v in out_headers if k.lower() != "docker-content-digest"]
        if self.command == "GET" and is_blob and status in (200, 206) and args.flip_blob and body:
            flipped = bytearray(body)
            flipped[len(flipped) // 2] ^= 0xFF
            body = bytes(flipped)
        cut = False
        if self.command == "GET" and is_blob and status == 200 and args.cut_blob is not None:
            with st.lock:
                if not st.cut_done and len(body) > args.cut_blob:
                    st.cut_done = True
                    cut = True
        if cut:
            self.send_response(status)
            for name, value in out_headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:args.cut_blob])
            self.wfile.flush()
            self.close_connection = True
            self.log_request_line(f"{status} cut after {args.cut_blob} bytes")
            return
        self.reply(status, body, out_headers)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the plain-HTTP registry")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N")
    parser.add_argument("--cut-blob", type=int, default=None, metavar="K")
    parser.add_argument("--delay", type=float, default=0.0, metavar="S")
    parser.add_argument("--flip-blob", action="store_true")
    parser.add_argument("--bad-manifest", action="store_true")
    parser.add_argument("--lie-size", type=int, default=0, metavar="D")
    parser.add_argument("--media-type", default=None, metavar="T")
    parser.add_argument("--token-expiry", type=int, default=None, metavar="T")
    parser.add_argument("--token-claim", type=int, default=None, metavar="C")
    parser.add_argument("--log", default=None, metavar="FILE")
    args = parser.parse_args()

    state = State(args)
    Handler.state = state
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(state.port, flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
