"""Project keys the way Supabase makes them: HS256 JWTs signed with the project's JWT secret.
The service-role key carries `role: service_role` (bypasses RLS); the anon key `role: anon`;
a signed-in user's access token `role: authenticated` and `sub: <user uuid>`."""

from __future__ import annotations

import secrets
import time

import jwt

TEN_YEARS = 10 * 365 * 24 * 3600


def new_jwt_secret() -> str:
    return secrets.token_urlsafe(40)


def mint_jwt(secret: str, role: str, sub: str | None = None, expires_in: int = TEN_YEARS, **claims) -> str:
    now = int(time.time())
    payload = {"iss": "supabase", "role": role, "iat": now, "exp": now + int(expires_in), **claims}
    if sub is not None:
        payload["sub"] = sub
    return jwt.encode(payload, secret, algorithm="HS256")


def service_role_key(secret: str) -> str:
    return mint_jwt(secret, "service_role")


def anon_key(secret: str) -> str:
    return mint_jwt(secret, "anon")


def user_access_token(secret: str, user_id: str, expires_in: int = 3600) -> str:
    return mint_jwt(secret, "authenticated", sub=user_id, expires_in=expires_in, aud="authenticated")
