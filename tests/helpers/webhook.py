#!/usr/bin/env python3
"""webhook.py PORTFILE BODYFILE: a one-request-at-a-time HTTP server for tests.

POST /ok stores the body in BODYFILE (appending one line) and answers 200;
POST /fail answers 500 with a message.  The chosen port is written to
PORTFILE once the server listens.
"""
import http.server
import sys

port_file, body_file = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/ok":
            with open(body_file, "ab") as out:
                out.write(body.rstrip(b"\n") + b"\n")
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"thanks\n")
        else:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"the receiver is down\n")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
