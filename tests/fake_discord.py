"""A local stand-in for Discord that speaks its v10 wire protocol: REST routes and the gateway.

The real discord.py client logs in to it (`Route.BASE` and the gateway URL point here): it gets
HELLO, sends IDENTIFY, receives READY and GUILD_CREATE, and then whatever events a test
dispatches. Every REST request the bot makes is recorded for the test to assert on.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API_VERSION = 10
HEARTBEAT_MS = 41_250
EVERYONE_PERMISSIONS = "2248473465835073"  # view, send, embed, history, threads, app commands


@dataclass
class Recorded:
    """One REST request as the bot sent it."""

    method: str
    path: str  # after /api/v10
    query: dict[str, str]
    body: Any  # parsed JSON (or the payload_json part of a multipart body), None if empty


@dataclass
class GatewayOp:
    """One gateway payload the bot sent (IDENTIFY, heartbeats…)."""

    op: int
    d: Any


def _json(data: Any, status: int = 200) -> web.Response:
    """JSON with Discord's exact content type (discord.py compares it without parameters)."""
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _option_type(value: str | int | bool) -> int:
    """Discord's application command option types: STRING 3, INTEGER 4, BOOLEAN 5."""
    if isinstance(value, bool):
        return 5
    return 4 if isinstance(value, int) else 3


def _invalid(message: str, code: int = 50035) -> web.HTTPBadRequest:
    """Discord's 400 for a request it refuses (50035: Invalid Form Body)."""
    body = json.dumps({"message": message, "code": code}).encode()
    return web.HTTPBadRequest(body=body, headers={"Content-Type": "application/json"})


def _check_message(body: dict[str, Any] | None) -> None:
    """Discord's limits on a message: 2,000 characters of content; per embed a 256-character
    title, 4,096 description, 25 fields of 256/1,024, a 2,048 footer; 6,000 over all its embeds."""
    body = body or {}
    if len(body.get("content") or "") > 2000:
        raise _invalid("content: Must be 2000 or fewer in length.")
    total = 0
    for embed in body.get("embeds") or []:
        fields = embed.get("fields") or []
        texts = [
            (embed.get("title") or "", 256),
            (embed.get("description") or "", 4096),
            ((embed.get("footer") or {}).get("text") or "", 2048),
        ]
        texts += [(f["name"], 256) for f in fields] + [(f["value"], 1024) for f in fields]
        if len(fields) > 25 or any(len(text) > limit for text, limit in texts):
            raise _invalid("embeds: a title, description, field or footer is too long.")
        total += sum(len(text) for text, _ in texts)
    if total > 6000:
        raise _invalid("embeds: Embed size exceeds maximum size of 6000")


def _snowflakes(start: int) -> Callable[[], str]:
    counter = itertools.count(start)
    return lambda: str(next(counter))


@dataclass
class FakeDiscord:
    """One application, one bot user, one guild with one text channel, one human member."""

    token: str = "fake-bot-token"
    application_id: str = "900000000000000001"
    bot_id: str = "900000000000000001"
    guild_id: str = "910000000000000001"
    channel_id: str = "920000000000000001"
    user_id: str = "930000000000000001"
    requests: list[Recorded] = field(default_factory=list)
    gateway_ops: list[GatewayOp] = field(default_factory=list)
    gateway_query: dict[str, str] = field(default_factory=dict)
    commands: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> synced command
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> messages
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = _snowflakes(1_000_000_000_000_000_000)
        self._interactions: dict[str, int] = {}  # id -> type, until answered
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._ws: web.WebSocketResponse | None = None
        self._compress: Any = None
        self.identified = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.channels[self.channel_id] = self.text_channel()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Any]]]] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._application),
            ("GET", re.compile(r"/gateway(/bot)?"), self._gateway_info),
            ("PUT", re.compile(r"/applications/(\d+)/commands"), self._sync_global),
            ("PUT", re.compile(r"/applications/(\d+)/guilds/(\d+)/commands"), self._sync_guild),
            ("POST", re.compile(r"/interactions/(\d+)/([^/]+)/callback"), self._callback),
            ("POST", re.compile(r"/webhooks/(\d+)/([^/]+)"), self._followup),
            ("PATCH", re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"), self._edit),
            ("DELETE", re.compile(r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)"), self._ok),
            ("POST", re.compile(r"/channels/(\d+)/messages"), self._create_message),
            ("GET", re.compile(r"/channels/(\d+)/messages"), self._list_messages),
            ("GET", re.compile(r"/channels/(\d+)/messages/(\d+)"), self._get_message),
            ("POST", re.compile(r"/channels/(\d+)/messages/(\d+)/threads"), self._create_thread),
            ("POST", re.compile(r"/channels/(\d+)/typing"), self._ok),
        ]

    # -- lifecycle --

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- objects as Discord sends them --

    def user(self, user_id: str | None = None, name: str = "reader") -> dict[str, Any]:
        user_id = user_id or self.user_id
        bot = user_id == self.bot_id
        return {
            "id": user_id, "username": "newsbot" if bot else name, "discriminator": "0",
            "global_name": None, "avatar": None, "bot": bot, "flags": 0, "public_flags": 0,
        }  # fmt: skip

    def member(self, user_id: str | None = None) -> dict[str, Any]:
        return {
            "user": self.user(user_id), "roles": [], "joined_at": _now(), "deaf": False,
            "mute": False, "flags": 0, "permissions": EVERYONE_PERMISSIONS,
        }  # fmt: skip

    def text_channel(self) -> dict[str, Any]:
        return {
            "id": self.channel_id, "type": 0, "guild_id": self.guild_id, "name": "news",
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None,
            "topic": None, "last_message_id": None, "rate_limit_per_user": 0,
        }  # fmt: skip

    def guild(self) -> dict[str, Any]:
        return {
            "id": self.guild_id, "name": "Newsroom", "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": self.user_id, "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "features": [], "mfa_level": 0,
            "application_id": None, "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "vanity_url_code": None, "description": None,
            "banner": None, "premium_tier": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled":
            False, "emojis": [], "stickers": [], "large": False, "unavailable": False,
            "member_count": 2, "joined_at": _now(), "voice_states": [], "presences": [],
            "roles": [{
                "id": self.guild_id, "name": "@everyone", "color": 0, "hoist": False,
                "position": 0, "permissions": EVERYONE_PERMISSIONS, "managed": False,
                "mentionable": False, "flags": 0,
            }],
            "members": [self.member(self.bot_id), self.member(self.user_id)],
            "channels": [self.text_channel()], "threads": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [],
        }  # fmt: skip

    def message(
        self, channel_id: str, body: dict[str, Any], author: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A message object as Discord returns it, from what was posted."""
        return {
            "id": self._ids(), "channel_id": channel_id, "guild_id": self.guild_id,
            "author": author or self.user(self.bot_id), "content": body.get("content") or "",
            "timestamp": _now(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": body.get("embeds") or [], "components": body.get("components") or [],
            "pinned": False, "type": 0, "flags": body.get("flags") or 0,
            "webhook_id": self.application_id if "webhook" in body else None,
        }  # fmt: skip

    # -- what a test sends --

    def command_interaction(self, name: str, **options: str | int | bool) -> dict[str, Any]:
        """INTERACTION_CREATE data for a slash command, by the id the bot synced."""
        return {**self._interaction_base(2), "data": self._command_data(name, options)}

    def autocomplete_interaction(
        self, name: str, focused: str, **options: str | int | bool
    ) -> dict[str, Any]:
        """INTERACTION_CREATE data (type 4, APPLICATION_COMMAND_AUTOCOMPLETE) while a user types
        option `focused`; its partial value is a string, whatever the option's type."""
        data = self._command_data(name, options)
        for option in data["options"]:
            if option["name"] == focused:
                option["focused"] = True
        return {**self._interaction_base(4), "data": data}

    def modal_submit_interaction(
        self, modal: dict[str, Any], values: list[str], message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """INTERACTION_CREATE data (type 5, MODAL_SUBMIT) for a modal the bot opened (the `data`
        of its type 9 response), its text inputs filled with `values` in order. `message` is
        the message whose button opened it, which Discord sends along."""
        inputs = iter(values)
        submitted = []
        for component in modal["components"]:
            if component["type"] == 18:  # label around one input
                inner = component["component"]
                entry = {"type": 4, "id": inner.get("id", 2), "custom_id": inner["custom_id"],
                         "value": next(inputs)}  # fmt: skip
                submitted.append({"type": 18, "id": component.get("id", 1), "component": entry})
            elif component["type"] == 1:  # the older action row form
                row = [{"type": 4, "custom_id": c["custom_id"], "value": next(inputs)}
                       for c in component["components"]]  # fmt: skip
                submitted.append({"type": 1, "components": row})
        interaction = {
            **self._interaction_base(5),
            "data": {"custom_id": modal["custom_id"], "components": submitted},
        }
        if message is not None:
            interaction["message"] = message
        return interaction

    def _command_data(self, name: str, options: dict[str, str | int | bool]) -> dict[str, Any]:
        command = self.commands[name]
        given = [{"name": k, "type": _option_type(v), "value": v} for k, v in options.items()]
        return {
            "id": command["id"], "name": name, "type": 1, "guild_id": self.guild_id,
            "options": given,
        }  # fmt: skip

    def button_interaction(self, message: dict[str, Any], custom_id: str) -> dict[str, Any]:
        """INTERACTION_CREATE data for a button press on a message the bot sent."""
        return {
            **self._interaction_base(3),
            "message": message,
            "data": {"custom_id": custom_id, "component_type": 2},
        }

    def user_message(self, channel_id: str, content: str, mentions_bot: bool) -> dict[str, Any]:
        """MESSAGE_CREATE data for a human's message; stored so history reads see it."""
        data = self.message(channel_id, {"content": content}, author=self.user())
        data["member"] = {k: v for k, v in self.member().items() if k != "user"}
        data["mentions"] = [self.user(self.bot_id)] if mentions_bot else []
        self.messages.setdefault(channel_id, []).append(data)
        return data

    def _interaction_base(self, kind: int) -> dict[str, Any]:
        interaction_id = self._ids()
        self._interactions[interaction_id] = kind
        return {
            "id": interaction_id, "application_id": self.application_id, "type": kind,
            "token": f"itoken-{self._ids()}", "version": 1, "guild_id": self.guild_id,
            "channel_id": self.channel_id, "channel": self.text_channel(),
            "member": self.member(), "locale": "en-GB", "guild_locale": "en-US",
            "app_permissions": EVERYONE_PERMISSIONS, "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id}, "context": 0,
            "attachment_size_limit": 10_485_760,
        }  # fmt: skip

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) event to the connected bot."""
        await self._send({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def wait_for(
        self, predicate: Callable[[Recorded], bool], timeout: float = 30.0, after: int = 0
    ) -> Recorded:
        """The first recorded request (from index `after` on) that matches."""

        def found() -> Recorded | None:
            return next((r for r in self.requests[after:] if predicate(r)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        result = found()
        assert result is not None
        return result

    # -- gateway --

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        self.gateway_query = dict(request.query)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if request.query.get("v") != str(API_VERSION) or request.query.get("encoding") != "json":
            await ws.close(code=4012, message=b"Invalid API version or encoding")
            return ws
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            await ws.close(code=4000, message=b"fake supports zlib-stream or no compression")
            return ws
        self._compress = zlib.compressobj() if compress == "zlib-stream" else None
        self._ws = ws
        await self._send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}})
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            self.gateway_ops.append(GatewayOp(payload["op"], payload.get("d")))
            if payload["op"] == 1:  # heartbeat
                await self._send({"op": 11})
            elif payload["op"] == 2:  # identify
                if payload["d"].get("token") != self.token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                await self._ready()
        return ws

    async def _ready(self) -> None:
        await self.dispatch(
            "READY",
            {
                "v": API_VERSION, "user": self.user(self.bot_id),
                "guilds": [{"id": self.guild_id, "unavailable": True}],
                "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
                "application": {"id": self.application_id, "flags": 0},
                "private_channels": [], "relationships": [],
            },
        )  # fmt: skip
        await self.dispatch("GUILD_CREATE", self.guild())
        self.identified.set()

    async def _send(self, payload: dict[str, Any]) -> None:
        assert self._ws is not None, "the bot has not connected to the gateway"
        text = json.dumps(payload)
        if self._compress is None:
            await self._ws.send_str(text)
        else:  # zlib-stream: one shared context, each message ends with a sync flush
            data = self._compress.compress(text.encode()) + self._compress.flush(zlib.Z_SYNC_FLUSH)
            await self._ws.send_bytes(data)

    # -- REST --

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body = json.loads(str(form["payload_json"])) if "payload_json" in form else None
        elif request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
        recorded = Recorded(request.method, path, dict(request.query), body)
        async with self._changed:
            self.requests.append(recorded)
            self._changed.notify_all()
        if request.match_info["version"] != str(API_VERSION):
            return _json({"message": "Invalid API version", "code": 50041}, status=400)
        if (
            not path.startswith(("/interactions/", "/webhooks/"))
            and request.headers.get("Authorization") != f"Bot {self.token}"
        ):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if method == request.method and match:
                result = await handler(recorded, *match.groups())
                if result is None:
                    return web.Response(status=204)
                return _json(result)
        return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _ok(self, recorded: Recorded, *ids: str) -> None:
        return None

    async def _me(self, recorded: Recorded) -> dict[str, Any]:
        return {**self.user(self.bot_id), "verified": True, "mfa_enabled": False}

    async def _application(self, recorded: Recorded) -> dict[str, Any]:
        return {
            "id": self.application_id, "name": "newsbot", "icon": None, "description": "",
            "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64,
            "owner": self.user(), "team": None, "flags": 0, "summary": "",
            "interactions_endpoint_url": None, "rpc_origins": [], "tags": [],
        }  # fmt: skip

    async def _gateway_info(self, recorded: Recorded, bot: str | None = None) -> dict[str, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    async def _sync(self, body: list[dict[str, Any]], guild_id: str | None) -> list[dict[str, Any]]:
        synced = []
        for command in body:
            known = self.commands.get(command["name"])
            stored = {
                **command, "id": known["id"] if known else self._ids(),
                "application_id": self.application_id, "version": self._ids(),
                "type": command.get("type", 1), "default_member_permissions": None,
                "options": command.get("options", []), "guild_id": guild_id,
            }  # fmt: skip
            self.commands[command["name"]] = stored
            synced.append(stored)
        return synced

    async def _sync_global(self, recorded: Recorded, app_id: str) -> list[dict[str, Any]]:
        return await self._sync(recorded.body, None)

    async def _sync_guild(
        self, recorded: Recorded, app_id: str, guild_id: str
    ) -> list[dict[str, Any]]:
        return await self._sync(recorded.body, guild_id)

    async def _callback(
        self, recorded: Recorded, interaction_id: str, token: str
    ) -> dict[str, Any] | None:
        kind = recorded.body["type"]
        data = recorded.body.get("data") or {}
        self._check_response(interaction_id, kind, data)
        if kind in (4, 7):
            _check_message(data)
        ephemeral = bool(data.get("flags", 0) & 64)
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction_id, "type": 2, "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
        }  # fmt: skip
        if kind == 4:
            message = self.message(self.channel_id, {**data, "webhook": True})
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": 4, "message": message}
        if recorded.query.get("with_response") in ("1", "true", "True"):
            return answer
        return None

    def _check_response(self, interaction_id: str, kind: int, data: dict[str, Any]) -> None:
        """Discord's rules for an interaction's one response: autocomplete gets choices (type 8,
        at most 25 of at most 100 characters); a modal (type 9: custom_id, a title of at most 45
        characters, 1 to 5 components) cannot answer an autocomplete or another modal."""
        interaction = self._interactions.pop(interaction_id, None)
        if interaction is None:
            raise _invalid("Interaction has already been acknowledged.", 40060)
        if (interaction == 4) != (kind == 8):
            raise _invalid("Interaction callback type 8 is for autocomplete interactions only.")
        if kind == 8:
            choices = data.get("choices", [])
            if len(choices) > 25 or any(
                not 1 <= len(c["name"]) <= 100 or len(str(c["value"])) > 100 for c in choices
            ):
                raise _invalid("Invalid autocomplete choices.")
        if kind == 9 and (
            interaction == 5
            or not data.get("custom_id")
            or not 1 <= len(data.get("title", "")) <= 45
            or not 1 <= len(data.get("components", [])) <= 5
        ):
            raise _invalid("Invalid modal.")

    async def _followup(self, recorded: Recorded, app_id: str, token: str) -> dict[str, Any]:
        _check_message(recorded.body)
        message = self.message(self.channel_id, {**recorded.body, "webhook": True})
        self.messages.setdefault(self.channel_id, []).append(message)
        return message

    async def _edit(self, recorded: Recorded, app_id: str, token: str, which: str) -> dict:
        _check_message(recorded.body)
        return self.message(self.channel_id, {**(recorded.body or {}), "webhook": True})

    async def _create_message(self, recorded: Recorded, channel_id: str) -> dict[str, Any]:
        _check_message(recorded.body)
        message = self.message(channel_id, recorded.body or {})
        self.messages.setdefault(channel_id, []).append(message)
        return message

    async def _list_messages(self, recorded: Recorded, channel_id: str) -> list[dict[str, Any]]:
        """Newest first, like Discord; honours `before`, `after` and `limit`."""
        found = list(self.messages.get(channel_id, []))
        if "before" in recorded.query:
            found = [m for m in found if int(m["id"]) < int(recorded.query["before"])]
        if "after" in recorded.query:
            found = [m for m in found if int(m["id"]) > int(recorded.query["after"])]
        found.sort(key=lambda m: int(m["id"]), reverse=True)
        return found[: int(recorded.query.get("limit", 50))]

    async def _get_message(
        self, recorded: Recorded, channel_id: str, message_id: str
    ) -> dict[str, Any] | None:
        for message in self.messages.get(channel_id, []):
            if message["id"] == message_id:
                return message
        raise web.HTTPNotFound(
            body=json.dumps({"message": "Unknown Message", "code": 10008}).encode(),
            headers={"Content-Type": "application/json"},
        )

    async def _create_thread(
        self, recorded: Recorded, channel_id: str, message_id: str
    ) -> dict[str, Any]:
        """A public thread opened from a message; it has the message's id, as on Discord."""
        thread = {
            "id": message_id, "type": 11, "guild_id": self.guild_id, "parent_id": channel_id,
            "owner_id": self.bot_id, "name": recorded.body["name"], "last_message_id": None,
            "rate_limit_per_user": 0, "message_count": 0, "member_count": 1, "flags": 0,
            "thread_metadata": {
                "archived": False, "auto_archive_duration": 1440, "locked": False,
                "archive_timestamp": _now(), "create_timestamp": _now(),
            },
        }  # fmt: skip
        self.channels[message_id] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return thread
