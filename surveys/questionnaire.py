"""The survey as data: the five-level scale, the questions, which fields they apply to."""

from dataclasses import dataclass

import yaml

from surveys.errors import QuestionnaireError

LOW_SCORE = 2
"""An overall rating at or below this asks why, and offers to send a PAKN about it."""


@dataclass(frozen=True)
class Text:
    vi: str
    en: str | None = None

    def in_language(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.vi


@dataclass(frozen=True)
class Level:
    score: int
    label: Text


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    """"scale" (the five levels) or "text" (free, optional)."""
    text: Text
    fields: frozenset[str] = frozenset()
    """The fields it applies to; empty: every field."""

    def applies_to(self, field_code: str) -> bool:
        return not self.fields or field_code in self.fields


@dataclass(frozen=True)
class Questionnaire:
    scale: tuple[Level, ...]
    questions: tuple[Question, ...]

    def for_field(self, field_code: str) -> list[Question]:
        return [q for q in self.questions if q.applies_to(field_code)]

    def level(self, score: int) -> Level:
        return next(level for level in self.scale if level.score == score)


def parse_questionnaire(text: str) -> Questionnaire:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise QuestionnaireError(f"not valid YAML: {exc}") from None
    try:
        scale = tuple(Level(int(item["score"]), Text(item["vi"], item.get("en")))
                      for item in data["scale"])
        questions = tuple(
            Question(str(item["id"]), str(item["kind"]),
                     Text(item["text"]["vi"], item["text"].get("en")),
                     frozenset(item.get("fields") or ()))
            for item in data["questions"])
    except (KeyError, TypeError, ValueError) as exc:
        raise QuestionnaireError(f"malformed questionnaire: {exc!r}") from None
    if [level.score for level in scale] != [1, 2, 3, 4, 5]:
        raise QuestionnaireError("the scale has the five levels 1 to 5, in order")
    if not questions or questions[0].id != "overall" or questions[0].kind != "scale":
        raise QuestionnaireError("the first question is 'overall', on the scale")
    if any(q.kind not in ("scale", "text") for q in questions):
        raise QuestionnaireError("a question's kind is 'scale' or 'text'")
    if len({q.id for q in questions}) != len(questions):
        raise QuestionnaireError("question ids must be unique")
    return Questionnaire(scale, questions)
