"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1, with STARTTLS or implicit
TLS (the test's certificate) and AUTH, writing each accepted message to DIR as N.json
(envelope sender, recipients, whether the session was TLS and authenticated, the raw
message). Prints "PORT <n>" once it accepts connections; runs until killed.

usage: smtp_server.py DIR MODE(plain|starttls|tls) CERT KEY USER PASSWORD
"""
import asyncio
import json
import os
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out_dir, mode, cert, key, user, password = sys.argv[1:7]


class Recorder:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None
            or server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "message": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(out_dir, "%d.json" % self.n)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == user.encode()
        and auth_data.password == password.encode()
    )
    return AuthResult(success=ok)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


context = None
if mode != "plain":
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

port = free_port()
kwargs = dict(
    hostname="127.0.0.1",
    port=port,
    authenticator=authenticate,
    # With implicit TLS aiosmtpd does not know the session is encrypted.
    auth_require_tls=(mode == "starttls"),
)
if mode == "starttls":
    kwargs["tls_context"] = context
    kwargs["require_starttls"] = True
elif mode == "tls":
    kwargs["ssl_context"] = context
controller = Controller(Recorder(), **kwargs)
controller.start()
print("PORT %d" % port, flush=True)
while True:
    time.sleep(3600)
