"""The endpoints besides ``POST /v1/messages``: models, batches, files, completions, and the
request checks every endpoint shares (the ``anthropic-beta`` header, structured outputs).

``ResourceAPI.respond(ctx)`` is consulted by the server after a path's scripted replies and
before its built-in answers: it returns a response, or None to let the built-ins answer (a
plain ``POST /v1/messages``). Stateful stores are public so tests can seed and inspect them:
``server.resources.batches`` (``BatchStore``) and ``server.resources.files`` (``FileStore``).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from ._batches import BatchStore
from ._beta import beta_problem
from ._completions import complete
from ._files import FileStore
from ._models_api import list_models, retrieve_model
from ._replies import Reply
from ._respond import Context, json_error, respond_scripted
from ._skills import SkillStore
from ._structured import example_json, output_schema
from ._threads import ThreadStore
from ._user_profiles import UserProfileStore

__all__ = ["ResourceAPI"]

Handler = Callable[[Context, Mapping[str, str]], Awaitable[web.StreamResponse]]

_MESSAGES = "/v1/messages"
_COUNT_TOKENS = "/v1/messages/count_tokens"
_FILES = "/v1/files"


class ResourceAPI:
    """Routes and in-memory state of the non-streaming endpoints."""

    def __init__(self) -> None:
        self.batches = BatchStore()
        self.files = FileStore()
        #: Accept only ``<feature>-<YYYY-MM-DD>`` beta names (off: any token-like name passes).
        self.strict_betas = False
        self.skills = SkillStore()
        self.user_profiles = UserProfileStore()
        #: Message threads: the conversations held between turns (``held(id)``, ``enqueue``).
        self.threads = ThreadStore()
        batches, files = self.batches, self.files
        routes: list[tuple[str, str, Handler]] = [
            ("GET", r"/v1/models", list_models),
            ("GET", r"/v1/models/(?P<model_id>[^/]+)", retrieve_model),
            ("POST", r"/v1/messages/batches", batches.create),
            ("GET", r"/v1/messages/batches", batches.list),
            ("GET", r"/v1/messages/batches/(?P<batch_id>[^/]+)", batches.retrieve),
            ("DELETE", r"/v1/messages/batches/(?P<batch_id>[^/]+)", batches.delete),
            ("POST", r"/v1/messages/batches/(?P<batch_id>[^/]+)/cancel", batches.cancel),
            ("GET", r"/v1/messages/batches/(?P<batch_id>[^/]+)/results", batches.results),
            ("POST", r"/v1/files", files.upload),
            ("GET", r"/v1/files", files.list),
            ("GET", r"/v1/files/(?P<file_id>[^/]+)", files.retrieve),
            ("DELETE", r"/v1/files/(?P<file_id>[^/]+)", files.delete),
            ("GET", r"/v1/files/(?P<file_id>[^/]+)/content", files.download),
            ("POST", r"/v1/complete", complete),
            *self._skill_and_profile_routes(),
        ]
        self._routes = [(method, re.compile(pattern + r"\Z"), handler) for method, pattern, handler in routes]

    def _skill_and_profile_routes(self) -> list[tuple[str, str, Handler]]:
        skills, profiles = self.skills, self.user_profiles
        one_skill = r"/v1/skills/(?P<skill_id>[^/]+)"
        one_version = one_skill + r"/versions/(?P<version>[^/]+)"
        one_profile = r"/v1/user_profiles/(?P<user_profile_id>[^/]+)"
        return [
            ("POST", r"/v1/skills", skills.create),
            ("GET", r"/v1/skills", skills.list),
            ("GET", one_skill, skills.retrieve),
            ("DELETE", one_skill, skills.delete),
            ("POST", one_skill + "/versions", skills.create_version),
            ("GET", one_skill + "/versions", skills.list_versions),
            ("GET", one_version, skills.retrieve_version),
            ("GET", one_version + "/content", skills.download_version),
            ("DELETE", one_version, skills.delete_version),
            ("POST", r"/v1/user_profiles", profiles.create),
            ("GET", r"/v1/user_profiles", profiles.list),
            ("GET", one_profile, profiles.retrieve),
            ("POST", one_profile, profiles.update),
            ("DELETE", one_profile, profiles.delete),
            ("POST", one_profile + "/enrollment_url", profiles.create_enrollment_url),
        ]

    @staticmethod
    def streams_request_body(method: str, path: str) -> bool:
        """Whether this request's body is read by its handler as it arrives (file uploads),
        rather than read whole by the server first."""
        return method == "POST" and path == _FILES

    async def respond(self, ctx: Context) -> web.StreamResponse | None:
        """The response for this request, or None if the built-in answers apply."""
        request = ctx.request
        method, path = request.method, request.path
        is_messages = method == "POST" and path in (_MESSAGES, _COUNT_TOKENS)
        problem = beta_problem(request.headers, ctx.json, messages=is_messages, strict=self.strict_betas)
        if problem is not None:
            return json_error(ctx, 400, "invalid_request_error", problem)
        thread = ctx.json.get("thread") if is_messages and isinstance(ctx.json, Mapping) else None
        if isinstance(thread, Mapping) and path == _MESSAGES:
            return await self.threads.respond(ctx, thread)
        if method == "POST" and path == _MESSAGES and not ctx.control.echo:
            schema = output_schema(ctx.json)
            if schema is not None:
                # Structured outputs: the reply is a JSON instance of the requested schema.
                return await respond_scripted(Reply.text(example_json(schema)), ctx)
            return None
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match is not None and route_method == method:
                return await handler(ctx, match.groupdict())
        return None
