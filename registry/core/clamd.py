"""A small client for clamd, the ClamAV daemon: PING and INSTREAM over a unix socket or TCP, with timeouts.

Our own rather than a library: the protocol is four lines long, the Python clamd packages on PyPI are unmaintained
(clamd 1.0.2 is from 2014, pyclamd 0.4.0 from 2017), and we need one distinction no client makes for us: clamd that
cannot be reached (the document waits and is scanned later) against clamd that answered with an error (it will answer
the same next time). Protocol: https://docs.clamav.net/manual/Usage/Scanning.html#clamd
"""

import socket
import struct
from dataclasses import dataclass

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or did not answer in time: try again later."""


class ScannerError(Exception):
    """clamd answered, with an error (e.g. the stream is over its StreamMaxLength): trying again will not help."""


@dataclass(frozen=True)
class ScanResult:
    infected: bool
    signature: str = ""


@dataclass(frozen=True)
class Clamd:
    socket_path: str = ""
    host: str = ""
    port: int = 3310
    timeout: float = 60.0  # for each send and receive: clamd answers only once it has read and scanned the whole file
    connect_timeout: float = 5.0

    def _connect(self) -> socket.socket:
        try:
            if self.socket_path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.connect_timeout)
                try:
                    sock.connect(self.socket_path)
                except BaseException:
                    sock.close()
                    raise
            else:
                sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise ScannerUnavailable(f"clamd at {self} cannot be reached: {exc}") from exc
        sock.settimeout(self.timeout)
        return sock

    def __str__(self) -> str:
        return self.socket_path or f"{self.host}:{self.port}"

    def _reply(self, sock) -> str:
        data = b""
        while not data.endswith(b"\0"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        if not data:
            raise ScannerUnavailable(f"clamd at {self} closed the connection without an answer")
        return data.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        try:
            with self._connect() as sock:
                sock.sendall(b"zPING\0")
                return self._reply(sock) == "PONG"
        except (ScannerUnavailable, OSError):
            return False

    def scan(self, stream) -> ScanResult:
        """Send the stream's bytes with INSTREAM (length-prefixed chunks, then a zero length) and read the verdict."""
        try:
            with self._connect() as sock:
                try:
                    sock.sendall(b"zINSTREAM\0")
                    while chunk := stream.read(CHUNK):
                        sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                    sock.sendall(struct.pack("!L", 0))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # clamd stops reading a stream over its limit and says so: its answer is read below
                reply = self._reply(sock)
        except OSError as exc:  # a timeout included
            raise ScannerUnavailable(f"clamd at {self} did not answer: {exc}") from exc
        # "stream: OK", "stream: Eicar-Signature FOUND", "INSTREAM size limit exceeded. ERROR"
        if reply.endswith(" FOUND"):
            return ScanResult(infected=True, signature=reply.removeprefix("stream:").removesuffix(" FOUND").strip())
        if reply.endswith(" OK"):
            return ScanResult(infected=False)
        raise ScannerError(reply)
