"""The joined views of the loaders: positions(), who took part (participants) and the lanes of the timeline.

The rules are checked on small frames built here (each case named for the rule it tests); the shipped data is
checked for properties that hold whatever records are added, and on named records."""

from __future__ import annotations

import pandas as pd
import pytest

import aigov_timeline as agt
from aigov_timeline.loaders.views import NO_FORUM, event_lanes, participants, represented_states


@pytest.fixture(scope="module")
def tables():
    return agt.load_all()


@pytest.fixture(scope="module")
def positions():
    return agt.positions()


def _actors(*rows):
    return pd.DataFrame(rows, columns=["actor_id", "name", "actor_type", "parent_id"])


def _links(*rows):
    return pd.DataFrame(rows, columns=["event_id", "actor_id", "role", "on_behalf_of_id"])


ACTORS = _actors(("act-aaa", "Aland", "state", None), ("act-bbb", "Borduria", "state", None),
                 ("act-aaa-mfa", "Aland foreign ministry", "ministry", "act-aaa"),
                 ("act-envoy", "An envoy", "person", "act-aaa-mfa"),
                 ("act-expert", "An expert", "person", "act-institute"),
                 ("act-institute", "An institute", "organisation", None),
                 ("act-forum", "A forum", "un_body", None), ("act-sg", "A Secretary-General", "un_body", None))


def test_a_person_counts_for_the_state_of_their_ministry():
    rows = pd.DataFrame({"actor_id": ["act-envoy"]})
    assert represented_states(rows, ACTORS, _links()).tolist() == ["act-aaa"]


def test_the_state_acted_for_at_an_event_comes_first():
    links = _links(("evt-1", "act-envoy", "speaker", "act-bbb"))
    rows = pd.DataFrame({"event_id": ["evt-1", "evt-2"], "actor_id": ["act-envoy", "act-envoy"]})
    assert represented_states(rows, ACTORS, links).tolist() == ["act-bbb", "act-aaa"]


def test_acting_for_a_body_that_is_no_state_represents_no_state():
    links = _links(("evt-1", "act-envoy", "briefer", "act-sg"))
    rows = pd.DataFrame({"event_id": ["evt-1"], "actor_id": ["act-envoy"]})
    assert represented_states(rows, ACTORS, links).isna().all()
    assert participants(rows, ACTORS, links).tolist() == ["act-sg"]


def test_an_expert_counts_for_their_body_never_a_state():
    rows = pd.DataFrame({"event_id": ["evt-1"], "actor_id": ["act-expert"]})
    assert represented_states(rows, ACTORS, _links()).isna().all()
    assert participants(rows, ACTORS, _links()).tolist() == ["act-institute"]


def test_lanes_are_the_forum_else_the_host_else_none():
    events = pd.DataFrame({"event_id": ["evt-1", "evt-2", "evt-3", "evt-4"],
                           "forum_id": ["act-forum", None, None, None]})
    links = _links(("evt-1", "act-bbb", "host", None), ("evt-2", "act-envoy", "speaker", None),
                   ("evt-2", "act-aaa-mfa", "convener", None), ("evt-3", "act-envoy", "speaker", None),
                   ("evt-4", "act-bbb", "co_host", None), ("evt-4", "act-institute", "host", None))
    lanes = event_lanes(events, ACTORS, links).tolist()
    assert lanes == ["A forum", "Aland", NO_FORUM, "An institute"]


def test_every_vote_sponsorship_and_statement_of_a_state_is_a_position(tables, positions):
    states = represented_states(tables["votes"], tables["actors"], tables["event_actors"])
    assert (positions["part"] == "vote").sum() == states.notna().sum()
    sponsors = represented_states(tables["sponsorships"], tables["actors"], tables["event_actors"])
    assert (positions["part"] == "sponsorship").sum() == sponsors.notna().sum()
    spoken = tables["statements"].rename(columns={"speaker_id": "actor_id"})
    by_state = represented_states(spoken, tables["actors"], tables["event_actors"])
    assert positions["statements"].sum() == by_state.notna().sum()
    assert positions["state_id"].map(tables["actors"].set_index("actor_id")["actor_type"]).eq("state").all()


def test_positions_name_the_text_a_vote_or_a_draft_sponsorship_concerns(positions):
    vote = positions.query("state_id == 'act-chn' and event_id == 'evt-2023-12-22-unga-adopts-a-res-78-241'")
    assert vote[["part", "code", "text_id"]].values.tolist() == [["vote", "abstain", "doc-un-a-res-78-241"]]
    draft = positions.query("document_id == 'doc-un-a-78-l-49' and state_id == 'act-usa'")
    assert draft[["part", "code", "text_id"]].values.tolist() == [["sponsorship", "main_sponsor",
                                                                    "doc-un-a-res-78-265"]]


def test_at_the_2023_briefing_a_representative_speaks_for_the_state_and_a_briefer_for_none(tables, positions):
    briefing = "evt-2023-07-18-unsc-ai-briefing"
    spoke = positions.query("event_id == @briefing and part == 'statement'").set_index("actor_id")
    assert spoke.loc["act-zhang-jun", "state_id"] == "act-chn"
    said = tables["statements"].query("event_id == @briefing and speaker_id == 'act-zhang-jun'")
    assert spoke.loc["act-zhang-jun", "statements"] == len(said) > 0
    assert not spoke.index.isin(["act-zeng-yi", "act-jack-clark"]).any()  # the briefers: experts, for no state
