#!/usr/bin/env python3
"""Forwards a loopback TCP port of the host into a network namespace.

The demo's bootherd lives in an isolated namespace (198.18.0.1, no link to
the host's network); this lets a browser on the host reach its web UI at
http://127.0.0.1:PORT/ without giving the namespace any route out.

How: the listening socket is bound here, in the host's namespace, then this
program re-executes itself inside the target namespace (`ip netns exec`)
with that socket inherited.  A socket keeps the namespace it was made in, so
it still accepts on the host's loopback, while the outgoing connections are
made inside the namespace.

Usage: portfwd.py --listen 127.0.0.1:8080 --netns NS --to 198.18.0.1:80
"""
import argparse
import os
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(lsock, to_host, to_port):
    while True:
        client, _ = lsock.accept()
        try:
            upstream = socket.create_connection((to_host, to_port), timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--netns", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    to_host, to_port = a.to.rsplit(":", 1)
    if a.fd is None:
        host, port = a.listen.rsplit(":", 1)
        if not host.startswith("127."):
            sys.exit("portfwd.py: only loopback listen addresses")
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((host, int(port)))
        lsock.listen(64)
        lsock.set_inheritable(True)
        args = [sys.executable, os.path.abspath(__file__), "--listen", a.listen,
                "--netns", a.netns, "--to", a.to, "--fd", str(lsock.fileno())]
        os.execvp("ip", ["ip", "netns", "exec", a.netns] + args)
    lsock = socket.socket(fileno=a.fd)
    serve(lsock, to_host, int(to_port))


if __name__ == "__main__":
    main()
