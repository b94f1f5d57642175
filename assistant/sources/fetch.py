"""Fetch web pages safely, and turn a fetched page into a Document.

httpx with: connect/read timeouts and an overall deadline (a server that dribbles bytes
cannot hold a fetch forever), redirects followed by hand (each hop is checked like the first;
a loop or more than ``max_redirects`` hops is an error), a size cap checked against the
Content-Length and again while streaming, a content-type check, and a User-Agent that says
who is asking. Only http and https. When the web app is bound beyond loopback, addresses in
private, loopback and link-local ranges are refused (unless ASSISTANT_FETCH__ALLOW_PRIVATE_ADDRESSES),
so a visitor cannot use the app to read the host's network. The name is resolved and checked
before connecting, and the address actually connected to is checked again before a byte of
the answer is read (a DNS answer that changes in between, "DNS rebinding", is caught there;
the request itself has then been sent, which for a GET is harmless by HTTP's rules).

Decoding: BOM, then UTF-8 if the bytes are valid UTF-8 (random legacy bytes almost never
are), then the declared charset (header or <meta>), then detection. Servers often declare
the wrong charset; valid UTF-8 winning over a declared Latin-1 is what fixes most of them.

Every failure is a ``FetchError`` naming the URL and the reason in words.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from assistant.documents import DocumentError, LoadResult, decode, parse_html, parse_text
from assistant.settings import FetchSettings, Settings, is_loopback

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain", "text/markdown", "text/x-markdown"}
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/feed+json", "application/json"}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class FetchError(DocumentError):
    """A URL that could not be fetched, with the reason (a DocumentError so reports list it
    beside files)."""


@dataclass
class Fetched:
    url: str  # as asked for (normalised)
    final_url: str  # after redirects
    status: int
    content_type: str
    body: bytes
    charset: str | None
    etag: str | None = None
    modified: str | None = None

    def text(self) -> str:
        return decode_body(self.body, self.charset, self.url)


def normalize_url(url: str) -> str:
    """Strip spaces and the #fragment; lower-case scheme and host. The library keys pages by this."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def is_url(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text.strip()))


def is_web_address(text: str) -> bool:
    return is_url(text) and text.strip().lower().startswith(("http://", "https://"))


def block_private_for(settings: Settings) -> bool:
    """Private addresses are refused when the web app listens beyond loopback."""
    return not settings.fetch.allow_private_addresses and not is_loopback(settings.server.host)


def decode_body(body: bytes, declared: str | None, url: str) -> str:
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return decode(body, url)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:
        meta = _META_CHARSET.search(body[:4096])
        for charset in (declared, meta.group(1).decode("ascii", "ignore") if meta else None):
            if not charset or charset.lower().replace("-", "") == "utf8":
                continue
            try:
                text = body.decode(charset)
                break
            except (LookupError, UnicodeDecodeError):
                continue
    if text is None:
        return decode(body, url)  # detection, and the binary-data checks
    return decode(text.encode("utf-8"), url)  # same checks and newline handling for every path


class Fetcher:
    def __init__(self, settings: FetchSettings, block_private: bool):
        import httpx

        self.settings = settings
        self.block_private = block_private
        self.max_bytes = int(settings.max_page_mb * 2**20)
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s),
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, accept: set[str], *, etag: str | None = None,
            modified: str | None = None) -> Fetched | None:
        """The page at ``url``, or None when the server says it has not changed (304)."""
        import httpx

        asked = normalize_url(url)
        current = asked
        seen = [current]
        deadline = time.monotonic() + self.settings.total_timeout_s
        headers = {"Accept": _accept_header(accept)}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            for _ in range(self.settings.max_redirects + 1):
                self._check_address(asked, current)
                with self.client.stream("GET", current, headers=headers) as response:
                    self._check_peer(asked, current, response)
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(asked, f"HTTP {response.status_code} redirect without a Location")
                        current = normalize_url(urljoin(current, location))
                        if current in seen:
                            raise FetchError(asked, "redirect loop: " + " -> ".join([*seen, current]))
                        seen.append(current)
                        continue
                    if response.status_code == 304:
                        return None
                    if response.status_code >= 400:
                        raise FetchError(asked, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
                    content_type, charset = _content_type(response.headers.get("content-type", ""))
                    length = response.headers.get("content-length", "")
                    if length.isdigit() and int(length) > self.max_bytes:
                        raise FetchError(asked, f"page is {int(length) / 2**20:.1f} MB, over the "
                                         f"{self.settings.max_page_mb:g} MB limit (ASSISTANT_FETCH__MAX_PAGE_MB)")
                    if content_type and content_type not in accept:
                        raise FetchError(asked, f"not a {_kind(accept)}: the server sent {content_type}")
                    body = self._read(response, asked, deadline)
                    return Fetched(asked, current, response.status_code, content_type or _sniff(body), body,
                                   charset, response.headers.get("etag"), response.headers.get("last-modified"))
            raise FetchError(asked, f"more than {self.settings.max_redirects} redirects "
                             f"({' -> '.join(seen)})")
        except httpx.TimeoutException:
            raise FetchError(asked, f"timed out (no answer within {self.settings.read_timeout_s:g} s)") from None
        except httpx.ConnectError as exc:
            raise FetchError(asked, f"could not connect to {urlsplit(current).netloc} ({_short(exc)})") from None
        except httpx.InvalidURL as exc:
            raise FetchError(asked, f"not a valid address ({_short(exc)})") from None
        except httpx.HTTPError as exc:
            raise FetchError(asked, f"network error ({type(exc).__name__}: {_short(exc)})") from None

    def _read(self, response, asked: str, deadline: float) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(asked, f"page is over the {self.settings.max_page_mb:g} MB limit "
                                 "(ASSISTANT_FETCH__MAX_PAGE_MB)")
            if time.monotonic() > deadline:
                raise FetchError(asked, f"took longer than {self.settings.total_timeout_s:g} s "
                                 "(ASSISTANT_FETCH__TOTAL_TIMEOUT_S)")
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_address(self, asked: str, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            where = "" if url == asked else f" (redirected to {url})"
            raise FetchError(asked, f"only http and https addresses can be fetched, not '{parts.scheme}:'{where}")
        if not parts.hostname:
            raise FetchError(asked, "the address has no host name")
        if not self.block_private:
            return
        try:
            addresses = resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        except socket.gaierror:
            raise FetchError(asked, f"could not resolve the host name {parts.hostname}") from None
        for address in addresses:
            if is_private_address(address):
                raise FetchError(asked, _refusal(parts.hostname, address))

    def _check_peer(self, asked: str, url: str, response) -> None:
        """The address connected to, checked again (the DNS answer may have changed since)."""
        if not self.block_private:
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer and is_private_address(peer[0]):
            raise FetchError(asked, _refusal(urlsplit(url).hostname or "", peer[0]))


def resolve(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def is_private_address(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%")[0])
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
            or address.is_multicast or address.is_unspecified)


def _refusal(host: str, address: str) -> str:
    return (f"refused: {host} is {address}, a private/local address, and the web app is reachable beyond "
            "this machine (ASSISTANT_FETCH__ALLOW_PRIVATE_ADDRESSES)")


def _accept_header(accept: set[str]) -> str:
    if accept & FEED_TYPES:
        return "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
    return "text/html, application/xhtml+xml;q=0.9, text/plain;q=0.5"


def _kind(accept: set[str]) -> str:
    return "feed" if accept & FEED_TYPES else "web page"


def _content_type(header: str) -> tuple[str, str | None]:
    mime, _, params = header.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.I)
    return mime.strip().lower(), (match.group(1) if match else None)


def _sniff(body: bytes) -> str:
    head = body[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed")):
        return "application/xml"
    return "text/plain"


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def load_url(url: str, fetcher: Fetcher) -> LoadResult:
    """One page -> its article. Never raises for a bad URL or page: it comes back as an error.
    The document's ``path`` is the URL as asked for, so fetching it again replaces it."""
    try:
        fetched = fetcher.get(url, HTML_TYPES | TEXT_TYPES)
        if fetched is None:  # no validators were sent, so a 304 is the server's mistake
            raise FetchError(url, "the server answered 304 Not Modified to a plain request")
        text = fetched.text()
        if fetched.content_type in TEXT_TYPES:
            doc = parse_text(text, fetched.url)
            doc.metadata["url"] = fetched.final_url
            return LoadResult([doc], [])
        doc, note = parse_html(text, fetched.url, url=fetched.final_url)
        return LoadResult([doc], [], [note] if note else [])
    except DocumentError as exc:
        return LoadResult([], [exc if isinstance(exc, FetchError) else FetchError(url, exc.reason)])
