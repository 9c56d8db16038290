"""A small threaded HTTPS/1.1 server: TLS handshake in the worker thread, JSON in and out, fault
injection on the way out (slow body, truncated JSON), one log line per request on stderr."""
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

MAX_BODY = 1 << 20


class Response:
    def __init__(self, status=200, obj=None, body=None, content_type="application/json; charset=utf-8",
                 headers=None, faults=True):
        self.status = status
        self.body = body if body is not None else json.dumps(obj if obj is not None else {}).encode()
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.faults = faults


def error(status, code, message, details=None, headers=None):
    obj = {"Code": code, "Error": message}
    if details is not None:
        obj["Details"] = details
    return Response(status, obj, headers=headers)


class Request:
    def __init__(self, handler):
        url = urlsplit(handler.path)
        self.method = handler.command
        self.raw_path = unquote(url.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.client_ip = handler.client_address[0]
        self.body = b""
        self.json = None
        self.session = None
        self.knobs = {}

    def header(self, name):
        value = self.headers.get(name)
        return value.strip() if value else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pvpn-lab-api"
    sys_version = ""

    def _serve(self):
        started = time.monotonic()
        req = Request(self)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            resp = error(413, 2001, "Request body too large")
            self.close_connection = True
        else:
            req.body = self.rfile.read(length) if length else b""
            try:
                resp = self.server.app(req)
            except Exception as exc:  # a lab bug must not kill the server; show it in the log
                print("api: handler error on %s %s: %r" % (req.method, req.raw_path, exc), file=sys.stderr)
                resp = error(500, 500, "Internal error in the lab API")
        self._send(req, resp)
        print("%s %s %s %s %d %dms" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), req.client_ip,
                                       req.method, req.raw_path, resp.status,
                                       (time.monotonic() - started) * 1000), file=sys.stderr, flush=True)

    def _send(self, req, resp):
        body = resp.body
        slow_ms = 0
        if resp.faults:
            if req.knobs.get("truncated_json") and body:
                body = body[:max(1, len(body) // 2)]
            try:
                slow_ms = int(req.knobs.get("slow_body_ms") or 0)
            except (TypeError, ValueError):
                slow_ms = 0
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if slow_ms > 0:
            self.wfile.flush()
            time.sleep(slow_ms / 1000.0)
        if req.method != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, fmt, *args):  # our own one-line log is enough
        pass


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, app, ssl_context):
        self.app = app
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def process_request_thread(self, request, client_address):
        try:
            request.settimeout(10)
            tls = self.ssl_context.wrap_socket(request, server_side=True)
            tls.settimeout(60)
        except (OSError, ssl.SSLError) as exc:
            print("api: TLS handshake with %s failed: %s" % (client_address[0], exc), file=sys.stderr, flush=True)
            self.shutdown_request(request)
            return
        super().process_request_thread(tls, client_address)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, socket.timeout, ssl.SSLError)):
            super().handle_error(request, client_address)


def tls_context(cert_file, key_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


def serve(host, port, app, ssl_context):
    server = TLSServer((host, port), app, ssl_context)
    return server, threading.Thread(target=server.serve_forever, daemon=True)
