"""Conversations, channel-neutral: each module is a router for one feature."""

from bot.handlers import (
    admin,
    common,
    intake,
    menu,
    privacy,
    rating,
    signin,
    staff,
    status,
    survey,
)
from bot.routing import Router


def build_router() -> Router:
    router = Router()
    for feature in (common, intake, status, staff, rating, survey, admin, signin, menu,
                    privacy):
        router.include(feature.router)
    return router
