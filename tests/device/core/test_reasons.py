"""Why a track plays, as data: its English sentence and its public form."""

from __future__ import annotations

import json

from device.core.reasons import Why, WhyKind


def test_each_kind_says_its_sentence_and_the_public_form_names_nobody() -> None:
    whys = [
        (Why(WhyKind.MOOD, "happy", playlist="happy", language="hindi", liked=True, artist="Lata"),
         "happy -> happy (hindi); you liked it when happy; by Lata, a favourite artist", None),
        (Why(WhyKind.MOOD, None, playlist="neutral"), "idle -> neutral", None),
        (Why(WhyKind.FALLBACK, "fear", note="playlist 'fear' is empty; playing 'happy' instead"),
         "playlist 'fear' is empty; playing 'happy' instead", None),
        (Why(WhyKind.OVERRIDE, "sad", "ravi", minutes=5), "ravi chose sad music for 5 min", "sad music chosen by hand for 5 min"),
        (Why(WhyKind.ASKED, by="asha"), "asked for by asha", "asked for on the page"),
        (Why(WhyKind.FAVORITE, by="asha"), "a favorite of asha", "a household favorite"),
        (Why(WhyKind.FAVORITES, by="asha"), "favorites of asha", "household favorites"),
        (Why(WhyKind.PHOTO, "happy", "asha"), "a photo asha shared looked happy", "a shared photo looked happy"),
        (Why(WhyKind.MOOD, "sad", playlist="sad", by_sound=0.81), "sad -> sad; tagged sad by its sound, 0.81", None),
    ]  # fmt: skip
    for why, text, public in whys:
        assert why.text() == text
        assert why.public().text() == (public or text) and why.public().by is None
        assert json.loads(json.dumps(why.to_json()))["kind"] == why.kind.value  # the page gets plain data
    assert set(WhyKind) == {why.kind for why, _, _ in whys}  # every kind is said
