"""What became of a row: where its score came from (`Basis`) and what is notable about it (`Flag`).

String enums: they print, compare and serialise as their values ("rule", "over_target"), which JSON outputs,
templates and batch records already use; code names the member, so a misspelt value fails at import.
"""
from __future__ import annotations

from enum import StrEnum


class Basis(StrEnum):
    RULE = "rule"                      # the rule's score
    GIVEN = "given"                    # the table's own score, no rule could check it
    JUDGEMENT = "judgement"            # the evaluator's stated judgement, differing from the rule
    CAPPED = "capped"                  # a given score above the weight, cut to the weight
    NONE = "none"                      # nothing to score with: 0 points, and an error says why
    NOT_APPLICABLE = "not_applicable"  # left out of the total, which is rescaled
    UNSCORED = "unscored"              # a table that records 完成/未完成 only (四川)


class Flag(StrEnum):
    UNVERIFIED = "unverified"          # the score stands without a rule's check
    NO_WEIGHT = "no_weight"            # the table prints no weight for the row
    LOST_POINTS = "lost_points"        # scored below the weight
    GIVEN_DIFFERS = "given_differs"    # the table's score is not the rule's
    OVER_TARGET = "over_target"        # actual far above a ≥ target
    BELOW_CAP = "below_cap"            # actual far below a ≤ cap
    NOT_APPLICABLE = "not_applicable"
