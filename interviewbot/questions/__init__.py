"""Question sets: the schema, file formats and importers, and the bank of loaded sets.

Modules import down this list only: schema <- validation <- importers <- formats <- bank.
"""

from interviewbot.questions.bank import QuestionBank
from interviewbot.questions.formats import (
    MAX_FILE_BYTES,
    SET_SUFFIXES,
    detect_format,
    dump_question_set,
    load_question_set,
    parse_question_set,
)
from interviewbot.questions.schema import KeyPoint, Question, QuestionSet, TestCase
from interviewbot.questions.validation import validate_set_data
from interviewbot.vocabulary import (
    DESIGN_PHASES,
    DIFFICULTIES,
    PHASES,
    STAR_PHASES,
    TRACK_LABELS,
    TRACKS,
)

__all__ = [
    "DESIGN_PHASES",
    "DIFFICULTIES",
    "MAX_FILE_BYTES",
    "PHASES",
    "SET_SUFFIXES",
    "STAR_PHASES",
    "TRACKS",
    "TRACK_LABELS",
    "KeyPoint",
    "Question",
    "QuestionBank",
    "QuestionSet",
    "TestCase",
    "detect_format",
    "dump_question_set",
    "load_question_set",
    "parse_question_set",
    "validate_set_data",
]
