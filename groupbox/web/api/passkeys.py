"""JSON API for passkeys (SPEC §6.6, §15): register from a signed-in device, sign in from a fresh
one, and the person's list (rename, remove)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, patch, post

from groupbox.access import Actor
from groupbox.domain.identity import passkeys as passkey_service
from groupbox.web.openapi import errors
from groupbox.web.support import PUBLIC, SIGNED_IN, client_ip, config_of, session_cookie

B64 = Annotated[str, msgspec.Meta(max_length=20_000)]
SHORT = Annotated[str, msgspec.Meta(max_length=200)]


class PasskeyOptionsIn(msgspec.Struct):
    """No fields: send `{}`."""


class AttestationResponseIn(msgspec.Struct):
    client_data_json: B64 = msgspec.field(name="clientDataJSON")
    attestation_object: B64 = msgspec.field(name="attestationObject")
    transports: list[SHORT] = msgspec.field(default_factory=list)


class _Credential(msgspec.Struct, kw_only=True):
    """What `PublicKeyCredential.toJSON()` gives for both ceremonies; `response` differs."""

    id: B64
    raw_id: B64 = msgspec.field(name="rawId")
    type: SHORT = "public-key"
    authenticator_attachment: SHORT | None = msgspec.field(default=None, name="authenticatorAttachment")
    client_extension_results: dict[str, Any] = msgspec.field(default_factory=dict, name="clientExtensionResults")


class RegistrationCredentialIn(_Credential, kw_only=True):
    """`PublicKeyCredential.toJSON()` of `navigator.credentials.create()`."""

    response: AttestationResponseIn


class RegisterVerifyIn(msgspec.Struct):
    credential: RegistrationCredentialIn
    name: SHORT | None = None  # defaults to the device's label ("Chrome on Android")


class AssertionResponseIn(msgspec.Struct):
    client_data_json: B64 = msgspec.field(name="clientDataJSON")
    authenticator_data: B64 = msgspec.field(name="authenticatorData")
    signature: B64
    user_handle: B64 | None = msgspec.field(default=None, name="userHandle")


class AuthenticationCredentialIn(_Credential, kw_only=True):
    """`PublicKeyCredential.toJSON()` of `navigator.credentials.get()`."""

    response: AssertionResponseIn


class LoginVerifyIn(msgspec.Struct):
    credential: AuthenticationCredentialIn


class PasskeyRenameIn(msgspec.Struct):
    name: str


class PasskeyOut(msgspec.Struct):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    synced: bool  # the authenticator says the passkey is backed up (a password manager, iCloud…)


class PasskeyList(msgspec.Struct):
    items: list[PasskeyOut]


class SignedInOut(msgspec.Struct):
    profile_id: str
    redirect: str


def _out(row: dict) -> PasskeyOut:
    return PasskeyOut(row["id"], row["name"], row["created_at"], row["last_used_at"], row["synced"])


@post("/api/auth/passkeys/register/options", guards=SIGNED_IN, tags=["auth"], status_code=200,
      responses=errors(409, 429))
async def passkey_register_options(request: Request, actor: Actor, data: PasskeyOptionsIn) -> dict[str, Any]:
    """Options for `navigator.credentials.create()` (PublicKeyCredentialCreationOptionsJSON)."""
    return await passkey_service.register_options(actor, config_of(request), ip=client_ip(request))


@post("/api/auth/passkeys/register/verify", guards=SIGNED_IN, tags=["auth"], status_code=201,
      responses=errors(409, 429))
async def passkey_register_verify(request: Request, actor: Actor, data: RegisterVerifyIn) -> PasskeyOut:
    row = await passkey_service.register_verify(
        actor, config_of(request), msgspec.to_builtins(data.credential), name=data.name,
        user_agent=request.headers.get("user-agent"), ip=client_ip(request),
    )
    return _out(row)


@post("/api/auth/passkeys/login/options", opt=PUBLIC, tags=["auth"], status_code=200, responses=errors(409))
async def passkey_login_options(request: Request, data: PasskeyOptionsIn) -> dict[str, Any]:
    """Options for `navigator.credentials.get()` (PublicKeyCredentialRequestOptionsJSON), for any
    passkey of this server: the browser offers the person's own."""
    return await passkey_service.login_options(config_of(request), ip=client_ip(request))


@post("/api/auth/passkeys/login/verify", opt=PUBLIC, tags=["auth"], status_code=200, responses=errors(409))
async def passkey_login_verify(request: Request, data: LoginVerifyIn, actor: Actor | None) -> Response[SignedInOut]:
    """Signs this browser in (a new device and session, the cookie set here)."""
    config = config_of(request)
    result = await passkey_service.login_verify(
        config, msgspec.to_builtins(data.credential), current=actor, user_agent=request.headers.get("user-agent"),
        ip=client_ip(request), session_days=config.session_days,
    )
    cookies = [session_cookie(config, result.session_token)] if result.session_token else []
    return Response(SignedInOut(result.profile_id, result.redirect), cookies=cookies)


@get("/api/me/passkeys", guards=SIGNED_IN, tags=["auth"])
async def passkeys_list(actor: Actor) -> PasskeyList:
    return PasskeyList([_out(row) for row in await passkey_service.passkeys(actor)])


@patch("/api/me/passkeys/{passkey_id:str}", guards=SIGNED_IN, tags=["auth"])
async def passkey_rename(actor: Actor, passkey_id: str, data: PasskeyRenameIn) -> PasskeyOut:
    return _out(await passkey_service.passkey_rename(actor, passkey_id, data.name))


@delete("/api/me/passkeys/{passkey_id:str}", guards=SIGNED_IN, tags=["auth"])
async def passkey_remove(actor: Actor, passkey_id: str) -> None:
    await passkey_service.passkey_remove(actor, passkey_id)


HANDLERS = [passkey_register_options, passkey_register_verify, passkey_login_options, passkey_login_verify,
            passkeys_list, passkey_rename, passkey_remove]
