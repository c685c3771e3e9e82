"""Conversations, channel-neutral: each module is a router for one feature."""

from bot.handlers import (
    admin,
    common,
    consent,
    dossiers,
    intake,
    menu,
    privacy,
    rating,
    replies,
    signin,
    staff,
    status,
    survey,
)
from bot.routing import Router


def build_router() -> Router:
    router = Router()
    for feature in (common, consent, intake, status, staff, rating, survey, dossiers, admin,
                    signin, menu, privacy, replies):
        router.include(feature.router)
    return router
