"""Outcomes of a synthetic trial: 24 months of work and benefit, and survey waves.

Potential outcomes under every arm are generated with common random numbers (the same
uniform draws for a person whatever the arm), then the assigned arm's outcomes are revealed.
That makes the true sample average effect of every arm known exactly (:attr:`SimulatedTrial.truth`),
as DeclareDesign does for diagnosis.

Labour model, per person i, month t and arm a (parameters in ``calibration.yaml``):

* hazard of starting a job of size s (tiny < 8 h, small 8-26 h, large 27-38 h)::

      h_ias = base * exp(slope * z_i) * share_s * max(0, 1 + sum_c effect_cs + far_i * far_extra_c)

  summed over the components c of arm a; a job ends with probability ``monthly_job_loss``;
* hours uniform within the size band; contract permanent with a size-specific probability;
* gross earnings = hours * 52/12 * WML hourly rate * wage ratio (>= 1, the minimum wage);
* ``months`` of the calibration (24), or fewer when the experiment's period is shorter
  (Utrecht measured 16 months): no record falls outside the period;
* benefit from :func:`proeftuin.rules.compute_benefits` under the arm's regime on net earnings
  (:func:`proeftuin.rules.net_earnings`); a person is off benefit when nothing is payable, or for
  good after an exit for other reasons (moving, partner; ``other_monthly_outflow``).

Survey model, per index j and wave w::

    baseline_ij = mean + slope z_i + person_sd u_ij + noise
    follow-up_ijw = persistence baseline_ij + (1 - persistence) mean + effect_aj + 0.3 work_iw + noise

clipped to 0-10; each wave answered with probability ``logistic(logit(response_w) + slope z_i)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from proeftuin.design.outcomes import CONTRACT_CODES, SURVEY_INDICES, ever, labour_indicators
from proeftuin.design.spec import ExperimentSpec
from proeftuin.rules import compute_benefits, minimum_hourly_wage, minimum_wage, net_earnings
from proeftuin.simulate.calibration import JOB_SIZES, Calibration
from proeftuin.simulate.population import Population

WEEKS_PER_MONTH = 52.0 / 12.0
WORK_EFFECT_ON_SCORES = 0.3


@dataclass(frozen=True)
class SimulatedTrial:
    """The revealed outcomes of one trial and the true effects behind them.

    ``hours``, ``contract``, ``gross_earnings``, ``on_benefit``: ``(n, months)`` arrays for the
    assigned arm; ``periods``: first day of each calendar month; ``scores``: ``(n, waves,
    indices)`` survey scores, ``NaN`` for non-response; ``truth``: true sample average effects
    (outcome, arm, effect) of every arm against control, on the period labour outcomes and the
    analysed survey waves.
    """

    periods: np.ndarray
    hours: np.ndarray
    contract: np.ndarray
    gross_earnings: np.ndarray
    on_benefit: np.ndarray
    waves: tuple[int, ...]
    scores: np.ndarray
    truth: pd.DataFrame

    def monthly_frame(self) -> pd.DataFrame:
        """One row per person-month: person (row of the population), month, period, records."""
        n, months = self.hours.shape
        contract_names = np.array(sorted(CONTRACT_CODES, key=CONTRACT_CODES.get), dtype=object)
        return pd.DataFrame(
            {
                "person": np.repeat(np.arange(n), months),
                "month": np.tile(np.arange(1, months + 1), n),
                "period": np.tile(self.periods, n),
                "hours_per_week": self.hours.ravel(),
                "contract": contract_names[self.contract.ravel()],
                "gross_earnings": self.gross_earnings.ravel().round(2),
                "on_benefit": self.on_benefit.ravel(),
            }
        )

    def survey_frame(self) -> pd.DataFrame:
        """One row per answered person-wave-index: person, wave, index_name, score."""
        person, wave, index = np.nonzero(~np.isnan(self.scores))
        names = np.array([o.name for o in SURVEY_INDICES], dtype=object)
        return pd.DataFrame(
            {
                "person": person,
                "wave": np.asarray(self.waves)[wave],
                "index_name": names[index],
                "score": self.scores[person, wave, index],
            }
        )


def month_starts(start: dt.date, months: int) -> np.ndarray:
    """First days of ``months`` calendar months from the month of ``start``."""
    first = np.datetime64(start.replace(day=1), "M")
    return (first + np.arange(months)).astype("datetime64[D]")


def _arm_multipliers(spec: ExperimentSpec, far: np.ndarray, cal: Calibration) -> np.ndarray:
    """``(arms, sizes, n)`` relative job-start hazards."""
    out = np.ones((len(spec.arms), len(JOB_SIZES), far.size))
    for a, arm in enumerate(spec.arms):
        for s, size in enumerate(JOB_SIZES):
            shift = sum(cal.effects[c].job_start[size] for c in arm.components)
            extra = sum(cal.effects[c].far_extra for c in arm.components) if size != "tiny" else 0.0
            out[a, s] = np.maximum(0.0, 1.0 + shift + extra * far)
    return out


def simulate_trial(
    population: Population,
    spec: ExperimentSpec,
    assignment: np.ndarray,
    *,
    seed: int,
    calibration: Calibration | None = None,
) -> SimulatedTrial:
    """Simulate the trial of ``spec`` for ``population`` given each person's arm code."""
    cal = calibration or Calibration.default()
    lab, sur = cal.labour, cal.survey
    rng = np.random.Generator(np.random.PCG64(seed))
    frame = population.frame
    n, n_arms = len(frame), len(spec.arms)
    months = min(int(lab["months"]), spec.months)  # records exist only within the experiment's period
    codes = [a.code for a in spec.arms]
    assigned = np.array([codes.index(c) for c in np.asarray(assignment).astype(str)])
    z = frame["employability"].to_numpy()
    far = (frame["distance_to_labour_market"] == "far").to_numpy().astype(float)
    periods = month_starts(spec.start, months)

    multipliers = _arm_multipliers(spec, far, cal)
    shares = np.array([lab["job_size_shares"][s] for s in JOB_SIZES])
    hazards = lab["base_monthly_job_start"] * np.exp(lab["employability_slope"] * z)
    size_hazard = hazards[None, None, :] * shares[None, :, None] * multipliers  # (A, S, n)
    cumulative = np.cumsum(size_hazard, axis=1)
    bands = np.array([lab["hours"][s] for s in JOB_SIZES], dtype=float)
    permanent = np.array([lab["permanent_contract_share"][s] for s in JOB_SIZES])
    wage_ratio = np.maximum(1.0, np.exp(rng.normal(lab["wage_premium"]["mean"], lab["wage_premium"]["sd"], n)))
    other_exit_month = rng.geometric(lab["other_monthly_outflow"], n)

    # State per arm and person; every arm sees the same uniforms (common random numbers).
    def draw_job(u_size: np.ndarray, u_hours: np.ndarray, u_contract: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, high = bands[size, 0], bands[size, 1]
        hours = np.floor(low + u_hours * (high - low + 1.0))
        contract = np.where(u_contract < permanent[size], CONTRACT_CODES["permanent"], CONTRACT_CODES["temporary"])
        return hours, contract

    initial = rng.random(n) < lab["initial_work_share"]
    size0 = np.where(rng.random(n) < 0.5, 0, 1)
    hours0, contract0 = draw_job(rng.random(n), rng.random(n), rng.random(n), size0)
    hours = np.where(initial, hours0, 0.0)[None, :].repeat(n_arms, axis=0)
    contract = np.where(initial, contract0, CONTRACT_CODES["none"])[None, :].repeat(n_arms, axis=0)
    streak = np.zeros((n_arms, n), dtype=int)

    out_hours = np.empty((n_arms, n, months))
    out_contract = np.empty((n_arms, n, months), dtype=int)
    out_earn = np.empty((n_arms, n, months))
    out_streak = np.empty((n_arms, n, months), dtype=int)
    wml = minimum_wage(periods)
    hourly = minimum_hourly_wage(periods)
    for t in range(months):
        u_start, u_size, u_hours, u_contract, u_loss = rng.random((5, n))
        working = hours > 0
        lose = working & (u_loss < lab["monthly_job_loss"])
        hours = np.where(lose, 0.0, hours)
        contract = np.where(lose, CONTRACT_CODES["none"], contract)
        start = ~working & (u_start < cumulative[:, -1, :])
        size = (u_size[None, :] * cumulative[:, -1, :] > cumulative[:, :-1, :].transpose(1, 0, 2)).sum(axis=0)
        new_hours, new_contract = draw_job(u_size, u_hours, u_contract, size)
        hours = np.where(start, new_hours, hours)
        contract = np.where(start, new_contract, contract)

        earnings = hours * WEEKS_PER_MONTH * hourly[t] * wage_ratio
        streak = np.where(earnings > 0, streak + 1, 0)
        out_hours[:, :, t] = hours
        out_contract[:, :, t] = contract
        out_earn[:, :, t] = earnings
        out_streak[:, :, t] = streak

    # The benefit feeds nothing back into the months, so every arm, person and month is one vectorised call of the
    # rules (rows are independent): a call per month was 84% of a trial's simulation (1.73 of 2.07 s for 20 trials
    # of 240 people x 4 arms x 24 months, cProfile on the 2-core machine), its cost mostly per call.
    youngest = frame["youngest_child_age"].to_numpy()
    per_row = (n_arms, n, months)
    benefit = compute_benefits(
        date=np.broadcast_to(periods, per_row).ravel(),
        household=np.broadcast_to(frame["household"].to_numpy(dtype=object)[None, :, None], per_row).ravel(),
        earnings=net_earnings(out_earn, periods).ravel(),
        regime=np.broadcast_to(np.array([arm.regime for arm in spec.arms], dtype=object)[:, None, None], per_row).ravel(),
        age=np.broadcast_to(frame["age"].to_numpy()[None, :, None], per_row).ravel(),
        youngest_child_age=np.broadcast_to(np.where(youngest >= 0, youngest, np.nan)[None, :, None], per_row).ravel(),
        disregard_month=np.maximum(out_streak, 1).ravel(),
        hours_per_week=out_hours.ravel(),
    ).benefit.reshape(per_row)
    out_benefit = (benefit > 0) & (np.arange(1, months + 1)[None, :] < other_exit_month[:, None])[None, :, :]

    scores_all, waves = _simulate_scores(rng, spec, cal, z, out_hours)
    respond = _survey_response(rng, sur, z, waves)
    truth = _true_effects(spec, out_hours, out_contract, out_earn, wml, out_benefit, scores_all, waves)
    pick = (assigned, np.arange(n))
    scores = np.where(respond[:, :, None], scores_all[pick], np.nan)
    return SimulatedTrial(
        periods=periods,
        hours=out_hours[pick],
        contract=out_contract[pick],
        gross_earnings=out_earn[pick],
        on_benefit=out_benefit[pick],
        waves=waves,
        scores=scores,
        truth=truth,
    )


def _simulate_scores(
    rng: np.random.Generator, spec: ExperimentSpec, cal: Calibration, z: np.ndarray, hours: np.ndarray
) -> tuple[np.ndarray, tuple[int, ...]]:
    """``(arms, n, waves, indices)`` potential survey scores and the wave numbers."""
    sur = cal.survey
    names = [o.name for o in SURVEY_INDICES]
    waves = tuple(sorted(int(w) for w in sur["waves"]))
    wave_month = {int(w): int(m) for w, m in sur["waves"].items()}
    n, n_idx = z.size, len(names)
    b = sur["baseline"]
    baseline = b["mean"] + b["employability_slope"] * z[:, None] + b["person_sd"] * rng.standard_normal((n, n_idx))
    noise = b["noise_sd"] * rng.standard_normal((len(waves), n, n_idx))
    effects = np.array([[sum(cal.effects[c].survey.get(j, 0.0) for c in arm.components) for j in names] for arm in spec.arms])
    rho = sur["persistence"]
    scores = np.empty((len(spec.arms), n, len(waves), n_idx))
    for w_i, wave in enumerate(waves):
        if wave_month[wave] == 0:
            scores[:, :, w_i, :] = (baseline + noise[w_i])[None]
        else:
            month = min(wave_month[wave], hours.shape[2]) - 1
            working = (hours[:, :, month] > 0).astype(float)[:, :, None]
            scores[:, :, w_i, :] = (
                rho * baseline[None] + (1 - rho) * b["mean"] + effects[:, None, :] + WORK_EFFECT_ON_SCORES * working + noise[w_i][None]
            )
    return np.clip(scores, 0.0, 10.0).round(2), waves


def _survey_response(rng: np.random.Generator, sur: dict, z: np.ndarray, waves: tuple[int, ...]) -> np.ndarray:
    """``(n, waves)`` who answers each wave: non-random, more likely when closer to work."""
    rates = np.array([sur["response"][w] for w in waves])
    logit = np.log(rates / (1 - rates))[None, :] + sur["response_employability_slope"] * z[:, None]
    return rng.random((z.size, len(waves))) < 1.0 / (1.0 + np.exp(-logit))


def _true_effects(
    spec: ExperimentSpec,
    hours: np.ndarray,
    contract: np.ndarray,
    earnings: np.ndarray,
    wml: np.ndarray,
    on_benefit: np.ndarray,
    scores: np.ndarray,
    waves: tuple[int, ...],
) -> pd.DataFrame:
    """True sample average effects: mean potential outcome under each arm minus under control."""
    control = next(i for i, a in enumerate(spec.arms) if a.is_control)
    rows = []
    indicators = labour_indicators(hours, contract, earnings, wml[None, None, :], on_benefit)
    for name, monthly in indicators.items():
        level = np.array([ever(monthly[a]).mean() for a in range(len(spec.arms))])
        rows += [(name, arm.code, level[a] - level[control]) for a, arm in enumerate(spec.arms) if a != control]
    analysed = [waves.index(w) for w in spec.survey_waves_analysed]
    follow = scores[:, :, analysed, :].mean(axis=2).mean(axis=1)  # (arms, indices)
    for j, index in enumerate(SURVEY_INDICES):
        rows += [(index.name, arm.code, follow[a, j] - follow[control, j]) for a, arm in enumerate(spec.arms) if a != control]
    return pd.DataFrame(rows, columns=["outcome", "arm", "effect"])


ITEMS_PER_INDEX = 3
ITEM_SCALE = (1.0, 5.0)
ITEM_NOISE_SD = 0.5


def survey_instrument() -> dict[str, dict[str, object]]:
    """The synthetic questionnaire: per index three items on a 1-5 scale, the third reverse-coded.

    In the shape of a trial plan's ``survey.indices`` (:class:`proeftuin.design.plan.SurveySpec`).
    """
    return {
        o.name: {
            "items": [f"{o.name}_{k}" for k in range(1, ITEMS_PER_INDEX + 1)],
            "reverse": [f"{o.name}_{ITEMS_PER_INDEX}"],
            "scale": list(ITEM_SCALE),
        }
        for o in SURVEY_INDICES
    }


def survey_items(trial: SimulatedTrial, wave: int, *, seed: int) -> pd.DataFrame:
    """Item answers of the people who answered ``wave``: ``person`` and one column per item.

    Each item is the latent 0-10 score moved to the 1-5 scale, plus noise, rounded to a whole
    answer and clipped; the reverse-coded item is mirrored (``6 - answer``). Scoring the items
    (mean of the oriented items, rescaled to 0-10) gives back the latent score up to that noise.
    """
    rng = np.random.Generator(np.random.PCG64([seed, wave]))
    w = trial.waves.index(wave)
    scores = trial.scores[:, w, :]
    answered = ~np.isnan(scores).all(axis=1)
    low, high = ITEM_SCALE
    latent = low + (high - low) * scores[answered] / 10.0
    columns: dict[str, np.ndarray] = {"person": np.flatnonzero(answered)}
    for j, index in enumerate(SURVEY_INDICES):
        for k in range(1, ITEMS_PER_INDEX + 1):
            answer = np.clip(np.rint(latent[:, j] + ITEM_NOISE_SD * rng.standard_normal(latent.shape[0])), low, high)
            columns[f"{index.name}_{k}"] = high + low - answer if k == ITEMS_PER_INDEX else answer
    return pd.DataFrame(columns)


def statistics_netherlands_records(trial: SimulatedTrial, *, miss_share: float, seed: int) -> pd.DataFrame:
    """The same person-months as CBS would register them: small jobs sometimes missed.

    A share ``miss_share`` of the person-months with fewer than 12 hours a week of work is
    registered without work (informal or very small jobs that do not reach the polis
    administration); benefit status is the same. This is how the two sources of the same outcome
    come to disagree (Tilburg and Wageningen, DOMAIN.md section 3.3).
    """
    rng = np.random.Generator(np.random.PCG64([seed, 31]))
    frame = trial.monthly_frame()
    small = (frame["hours_per_week"] > 0) & (frame["hours_per_week"] < 12)
    missed = small.to_numpy() & (rng.random(len(frame)) < miss_share)
    frame.loc[missed, ["hours_per_week", "gross_earnings"]] = 0.0
    frame.loc[missed, "contract"] = "none"
    return frame
