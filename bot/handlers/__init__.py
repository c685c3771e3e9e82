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
    sender_chats,
    signin,
    staff,
    staff_intake,
    status,
    survey,
)
from bot.spine.routing import Router


def build_router() -> Router:
    router = Router()
    for feature in (common, consent, intake, staff_intake, status, staff, rating, survey,
                    dossiers, admin, signin, menu, privacy, sender_chats, replies):
        router.include(feature.router)
    return router
