"""A local-agent client (TLS with the API certificate and the Ed25519 key), for tests and the self-test."""
import json
import os
import socket
import ssl
import tempfile

import la_protocol


class AgentClient:
    def __init__(self, host, port, domain, root_ca_file, cert_pem, key_pem, tls12_only=True, timeout=10):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if tls12_only:
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # like Proton's Rust client
        ctx.load_verify_locations(root_ca_file)
        with tempfile.TemporaryDirectory() as d:
            cert_file, key_file = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
            with open(cert_file, "w") as f:
                f.write(cert_pem)
            with open(key_file, "w") as f:
                f.write(key_pem)
            ctx.load_cert_chain(cert_file, key_file)
        raw = socket.create_connection((host, port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname=domain)

    def request(self, obj):
        self.sock.sendall(la_protocol.frame(obj))
        data = la_protocol.read_message(self.sock)
        return json.loads(data) if data is not None else None

    def status(self):
        return self.request({"status-get": {}})

    def features_set(self, **features):
        return self.request({"features-set": {k.replace("_", "-"): v for k, v in features.items()}})

    def close(self):
        self.sock.close()
