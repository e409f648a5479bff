"""What the reading worker prepares crosses a process boundary by pickle, whole."""

import pickle

from contactpoint.loading.placing.placer import Ready
from contactpoint.matching.probabilistic import Prepared
from contactpoint.matching.profile import profile


def test_a_prepared_row_comes_back_equal():
    p = profile({"given_names": "Anna-Maria Jo", "family_name": "Nowak Smith",
                 "former_family_names": ["Kowalska"], "date_of_birth": "2015-01-01",
                 "gender": "female", "address": {"postcode": "LS1 4AB"},
                 "identifiers": {"nhs_number": "9434765919", "upn": "A123456789012"},
                 "carers": [{"given_names": "Ewa", "family_name": "Nowak"}]},
                "school_census")
    row = Ready(b"k" * 16, b"d" * 16, Prepared.of(p, {b"q" * 16, b"r" * 16}, {b"s" * 16},
                                                 {b"r" * 16}, {b"t" * 16}), b"{}")
    back = pickle.loads(pickle.dumps(row, pickle.HIGHEST_PROTOCOL))  # noqa: S301  (our own bytes)
    assert back == row
    assert back.linker.profile.carers == (("ewa", "nowak"),)
    assert back.linker.query == {b"q" * 16, b"r" * 16}
    assert back.linker.stored == {b"s" * 16, b"t" * 16}
    assert back.linker.packed_blocking == b"s" * 16  # the search-only token left out
    assert back.linker.identifiers == {b"r" * 16}
