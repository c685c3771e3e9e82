"""Survey links: the tokens behind the QR codes at the one-stop desks."""

import hashlib
import secrets
from datetime import datetime
from functools import cache
from importlib import resources

from bot.core.ports import SurveyRepository
from surveys.questionnaire import Questionnaire, parse_questionnaire

PREFIX = "sv_"


@cache
def questionnaire() -> Questionnaire:
    text = resources.files("surveys").joinpath("data/questionnaire.yaml").read_text("utf-8")
    return parse_questionnaire(text)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_survey_link(surveys: SurveyRepository, procedure: str, unit: str | None,
                             desk: str | None, now: datetime) -> str:
    """A new token for a desk's QR code: it stands for the procedure (and unit, desk).
    Its ratings are unverified; a dossier's own link is bot.core.dossiers.link_token."""
    token = PREFIX + secrets.token_urlsafe(16)
    await surveys.create_token(token_hash(token), procedure, unit, desk, now)
    return token


def telegram_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def web_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/?start={token}"
