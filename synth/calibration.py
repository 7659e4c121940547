"""The synthetic bank's calibration: how its managers work and the figures its plans are set from.

Each assessed manager gets a profile, dealt in the order of PATTERN: `drive` is the share of
their plan they reach (deposit and loan growth, product sales, new customers), `diligence` the
share of due contacts and follow-ups they carry out, `evaluation` and `adjust` the branch head's
usual marks. The plan (PLAN.csv) is set from each manager's book, so a manager's achievement
follows their drive, give or take how the month goes, and the score bands spread as a real
branch's do. docs/synthetic-bank.md explains the figures and what they produce.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How a manager works; named after the band such a manager usually lands in."""

    drive: float
    diligence: float
    evaluation: float  # the branch head's usual EVAL mark (0…5)
    adjust: tuple[int, ...]  # ADJUST marks the head picks from, one a month at random


PROFILES: dict[str, Profile] = {
    "优秀": Profile(drive=1.05, diligence=0.97, evaluation=4.5, adjust=(0, 0, 1, 2)),
    "良好": Profile(drive=0.9, diligence=0.92, evaluation=4.0, adjust=(0, 0, 0, 1)),
    "合格": Profile(drive=0.77, diligence=0.85, evaluation=3.5, adjust=(0, 0, 0, 0)),
    "基本合格": Profile(drive=0.66, diligence=0.75, evaluation=3.0, adjust=(0, 0, 0, -1)),
    "不及格": Profile(drive=0.4, diligence=0.5, evaluation=2.0, adjust=(0, -1, -2, -3)),
}
# Dealt to the assessed managers in roster order: of nine, one 优秀, one 良好, three 合格, three
# 基本合格 and one 不及格; with three branches, each branch gets a strong and a weaker one.
PATTERN = ("合格", "良好", "基本合格", "优秀", "合格", "不及格", "基本合格", "基本合格", "合格")
NOT_ASSESSED = Profile(drive=1.0, diligence=0.5, evaluation=0.0, adjust=(0,))

# The plan: a manager's targets for a month, from their book at the month end before.
DEP_GROWTH = 0.03  # deposit daily average growth, of the deposit book
LOAN_GROWTH = 0.03  # loan daily average growth, of the loan book
SALES_SHARE = 0.02  # purchases of investment products, of the deposit book, plus
SALES_PER_HOLDING_CNY = 7_000  # what a holding's owner buys on their own (measured)
NEW_CUST_SHARE = 0.04  # new customers, of the customers in the book
CONTRIBUTION_PER_DEPOSIT = 0.0012  # contribution per yuan of deposits …
CONTRIBUTION_PER_LOAN = 0.0015  # … and per yuan of loans (the book's spread income)
NPL_CEILING_PCT = (1.5, 3.0)  # the NPL ratio target, drawn between these
DAYS_PER_MONTH = 30.44

# Behaviour.
FORM_SD = 0.1  # how a month goes for a manager: their aim is drive × exp(N(0, FORM_SD)) × plan
CHASE_CAP = 10  # a manager's daily catch-up stays within ± this many times the plan's daily pace
INFLOW_PIECE_CNY = 8_000  # campaign inflows, purchases and loan draws come in pieces of about
SALE_PIECE_CNY = 20_000  # these sizes (below every alert threshold)
LOAN_PIECE_CNY = 30_000
LOAN_DRAW_SHARE = 0.1  # of the customers' own loan movements, draws (the rest repayments)
REDEEM_SHARE = (0.05, 0.3)  # a redemption takes this share of the holding
MOVE_MAX_CNY = 100_000  # everyday payments, loan draws and redemptions stay below this: in a
# book of a few dozen customers, one bigger move would outweigh the month's plan
WATCH_CNY = 50_000  # a customer who moves this much in a day is called about it
LOAN_CLASS_SHARES = (0.92, 0.05, 0.015, 0.01, 0.005)  # NORMAL … LOSS: 3 % non-performing


def deal(roles: list[str], assessed: tuple[str, ...]) -> list[str]:
    """The profile name of each manager: PATTERN dealt over the assessed ones in roster order
    ("" for the others)."""
    out, j = [], 0
    for role in roles:
        if role in assessed:
            out.append(PATTERN[j % len(PATTERN)])
            j += 1
        else:
            out.append("")
    return out


def profile(name: str) -> Profile:
    return PROFILES.get(name, NOT_ASSESSED)
