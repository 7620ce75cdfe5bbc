#!/usr/bin/env python3
"""Generates Data/allegations-demo.csv: synthetic allegations for demonstrating the catalog.

Every row is invented. The file follows the columns documented in
Sources/Catalog/Allegation.swift (AllegationsImporter). The generator is seeded, so running it
again gives the same bytes:

    python3 Data/generate_allegations.py > Data/allegations-demo.csv
"""
import csv
import datetime
import random
import sys

SEED = 20261125
ROWS = 300
PRODUCTS = ["station-incident-hotspots", "fare-inspection-allocation", "calls-for-service-triage"]
SERVICES = [("Transit Police", 0.45), ("Fare Inspection", 0.3), ("Contract Security", 0.17), ("Community Outreach", 0.08)]
BASES = [("race", 0.3), ("ethnicity", 0.18), ("gender", 0.12), ("age", 0.12), ("disability", 0.09),
         ("nationality", 0.08), ("religion", 0.06), ("sexual orientation", 0.05)]
ACTIONS = ["stop", "citation", "ejection", "arrest", "search", "warning"]
FINDINGS = [("not sustained", 0.34), ("unfounded", 0.24), ("exonerated", 0.14), ("sustained", 0.1)]


def weighted(rng, pairs):
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def main():
    rng = random.Random(SEED)
    start = datetime.date(2025, 1, 1)
    span = (datetime.date(2026, 9, 30) - start).days
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["id", "date_received", "responding_service", "basis", "action_type", "status", "finding", "product_ids"])
    for number in range(1, ROWS + 1):
        received = start + datetime.timedelta(days=rng.randrange(span + 1))
        service = weighted(rng, SERVICES)
        bases = {weighted(rng, BASES)}
        if rng.random() < 0.2:
            bases.add(weighted(rng, BASES))
        still_open = (datetime.date(2026, 9, 30) - received).days < 90 and rng.random() < 0.7
        finding = "pending" if still_open else weighted(rng, FINDINGS)
        products = []
        if service in ("Transit Police", "Contract Security") and rng.random() < 0.6:
            products.append(rng.choice(["station-incident-hotspots", "calls-for-service-triage"]))
        if service == "Fare Inspection" and rng.random() < 0.7:
            products.append("fare-inspection-allocation")
        writer.writerow([f"ALG-{number:05d}", received.isoformat(), service, ";".join(sorted(bases)),
                         rng.choice(ACTIONS), "open" if still_open else "closed", finding, ";".join(products)])


if __name__ == "__main__":
    main()
