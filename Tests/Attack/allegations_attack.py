"""An attacker who knows every allegation count a built catalog publishes, with a real solver.

    allegations_attack.py SITE --truth ALLEGATIONS.csv [--weaken primary-only]

Reads every published allegation count from the site's JSON (`allegations.json` and the
`allegations` of every `reports/<year>.json`) and models the unknown true counts as non-negative
integers:

- x[quarter, service, finding]: the finest cells the additive tables (by quarter, service, finding,
  their totals, the years' totals) are sums of;
- a[year, basis] and p[year, product]: how many of the year's allegations name each basis or
  product. An allegation may name several bases (at least one) and several products (or none), so
  these are not sums of x. With N the year's allegations, the counts a year can have are exactly
  those with 0 <= a <= N and sum(a) >= N (deal N allegations the named bases round-robin), and
  0 <= p <= N: these constraints are the finest-cell model with the cells no table publishes
  projected away, so every bound below is the one the finest model gives.

Each published number is an equation; for each suppressed count whose true value (from --truth,
read only to judge, never to attack) lies in 1..k-1, HiGHS (scipy.optimize.milp) finds its smallest
and largest value over all integer solutions. A count whose smallest and largest agree is pinned:
recovered by the attacker. `--weaken primary-only` publishes every suppressed count that is not
itself small, i.e. a site without complementary suppression, to show the attack is not blind.

Prints one JSON object: suppressed, small_suppressed, solves, pinned (each with where, value),
smallest_width (of the small suppressed counts' intervals; null when there is none).
"""

import argparse
import csv
import glob
import itertools
import json
import os
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


class Model:
    def __init__(self, page):
        self.k = page["minimum_cell_size"]
        quarters_table = page["by_quarter_and_finding"]
        self.quarters = quarters_table["row_labels"]
        self.findings = quarters_table["column_labels"]
        self.services = page["by_service_and_finding"]["row_labels"]
        self.bases = page["by_basis"]["labels"]
        self.products = page["by_product"]["labels"]
        self.years = sorted({int(q.split("-")[0]) for q in self.quarters})
        self.index = {}
        for q, s, f in itertools.product(self.quarters, self.services, self.findings):
            self.variable(("x", q, s, f))
        for y in self.years:
            for b in self.bases:
                self.variable(("a", y, b))
            for p in self.products:
                self.variable(("p", y, p))
        self.published = []  # (where, expression, value or None)

    def variable(self, key):
        self.index.setdefault(key, len(self.index))

    def cells(self, quarters=None, services=None, findings=None):
        """The x cells of the given quarters, services and findings (all when None)."""
        return {("x", q, s, f): 1
                for q in (self.quarters if quarters is None else quarters)
                for s in (self.services if services is None else services)
                for f in (self.findings if findings is None else findings)}

    def year_quarters(self, year):
        return [q for q in self.quarters if q.startswith(f"{year}-")]

    def publish(self, where, expression, count):
        self.published.append((where, expression, count["count"]))

    def cross(self, where, table, rows_are):
        rows, columns = table["row_labels"], table["column_labels"]
        row_set = {"quarters": lambda r: dict(quarters=[r]), "services": lambda r: dict(services=[r])}[rows_are]
        all_rows = dict(quarters=rows) if rows_are == "quarters" else dict(services=rows)
        for r, row in enumerate(rows):
            for c, column in enumerate(columns):
                self.publish(f"{where} {row} {column}", self.cells(**row_set(row), findings=[column]), table["cells"][r][c])
            self.publish(f"{where} {row} total", self.cells(**row_set(row)), table["row_totals"][r])
        for c, column in enumerate(columns):
            self.publish(f"{where} total {column}", self.cells(**all_rows, findings=[column]), table["column_totals"][c])
        self.publish(f"{where} total", self.cells(**all_rows), table["grand_total"])

    def read_page(self, page):
        self.cross("allegations.json by quarter", page["by_quarter_and_finding"], "quarters")
        self.cross("allegations.json by service", page["by_service_and_finding"], "services")
        for kind, key in (("a", "by_basis"), ("p", "by_product")):
            table = page[key]
            for label, count in zip(table["labels"], table["counts"]):
                self.publish(f"allegations.json {key} {label}", {(kind, y, label): 1 for y in self.years}, count)

    def read_year(self, year, tables):
        where = f"reports/{year}.json"
        quarters = self.year_quarters(year)
        # The year's quarter rows are the page's (the same counts); its totals are the year's.
        table = tables["by_quarter_and_finding"]
        for r, row in enumerate(table["row_labels"]):
            for c, column in enumerate(table["column_labels"]):
                self.publish(f"{where} {row} {column}", self.cells(quarters=[row], findings=[column]), table["cells"][r][c])
            self.publish(f"{where} {row} total", self.cells(quarters=[row]), table["row_totals"][r])
        for c, column in enumerate(table["column_labels"]):
            self.publish(f"{where} total {column}", self.cells(quarters=quarters, findings=[column]), table["column_totals"][c])
        self.publish(f"{where} total", self.cells(quarters=quarters), table["grand_total"])
        services = tables["by_service"]
        for label, count in zip(services["labels"], services["counts"]):
            self.publish(f"{where} by_service {label}", self.cells(quarters=quarters, services=[label]), count)
        self.publish(f"{where} by_service total", self.cells(quarters=quarters), services["total"])
        for kind, key in (("a", "by_basis"), ("p", "by_product")):
            for label, count in zip(tables[key]["labels"], tables[key]["counts"]):
                expression = {(kind, year, label): 1} if year in self.years else {}
                self.publish(f"{where} {key} {label}", expression, count)

    def structural(self):
        """Rows of A and bounds for the constraints every solution meets, published or not."""
        rows = []
        for y in self.years:
            total = self.cells(quarters=self.year_quarters(y))
            for b in self.bases:  # a <= N
                rows.append(({**{key: -1 for key in total}, ("a", y, b): 1}, -np.inf, 0))
            for p in self.products:  # p <= N
                rows.append(({**{key: -1 for key in total}, ("p", y, p): 1}, -np.inf, 0))
            if self.bases:  # sum(a) >= N
                rows.append(({**{key: -1 for key in total}, **{("a", y, b): 1 for b in self.bases}}, 0, np.inf))
        return rows

    def vector(self, expression):
        row = np.zeros(len(self.index))
        for key, coefficient in expression.items():
            if key not in self.index:
                raise SystemExit(f"the published tables name {key}, which the allegations page does not")
            row[self.index[key]] += coefficient
        return row


def truth_values(model, path):
    """The true value of every variable, from the allegations CSV (for judging only)."""
    values = np.zeros(len(model.index))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            year, month = int(row["date_received"][:4]), int(row["date_received"][5:7])
            quarter = f"{year}-Q{(month - 1) // 3 + 1}"
            finding = row["finding"].strip().lower()
            values[model.index[("x", quarter, row["responding_service"].strip(), finding)]] += 1
            for basis in {b.strip().lower() for b in row["basis"].split(";") if b.strip()}:
                values[model.index[("a", year, basis)]] += 1
            for product in {p.strip() for p in row["product_ids"].split(";") if p.strip()}:
                values[model.index[("p", year, product)]] += 1
    return values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("site")
    parser.add_argument("--truth", required=True)
    parser.add_argument("--weaken", choices=["primary-only"])
    args = parser.parse_args()

    page = load(os.path.join(args.site, "allegations.json"))
    model = Model(page)
    model.read_page(page)
    for path in sorted(glob.glob(os.path.join(args.site, "reports", "*.json"))):
        report = load(path)
        if report.get("allegations") is not None:
            model.read_year(report["year"], report["allegations"])
    truth = truth_values(model, args.truth)
    k = model.k
    small = lambda value: 1 <= value < k

    equations, suppressed = {}, {}
    for where, expression, count in model.published:
        vector = model.vector(expression)
        key = tuple(vector)
        true_value = int(round(vector @ truth))
        if count is not None and count != true_value:
            raise SystemExit(f"{where}: published {count}, but the allegations file gives {true_value}")
        if count is None and args.weaken == "primary-only" and not small(true_value):
            count = true_value
        if count is None:
            suppressed.setdefault(key, (where, vector, true_value))
        elif expression:
            equations[key] = (vector, count)

    rows = [vector for vector, _ in equations.values()]
    lower = [value for _, value in equations.values()]
    upper = list(lower)
    for expression, low, high in model.structural():
        rows.append(model.vector(expression))
        lower.append(low)
        upper.append(high)
    constraints = [LinearConstraint(np.array(rows), lower, upper)] if rows else []
    integrality = np.ones(len(model.index))
    bounds = Bounds(np.zeros(len(model.index)), np.full(len(model.index), np.inf))

    def extreme(vector, sign):
        result = milp(sign * vector, constraints=constraints, integrality=integrality, bounds=bounds)
        if result.status == 0:
            return int(round(sign * result.fun))
        if result.status == 3 or "unbounded" in (result.message or "").lower():
            return None  # no bound in that direction
        raise SystemExit(f"the solver failed: {result.message}")

    pinned, widths, solves = [], [], 0
    small_cells = [(where, vector, value) for where, vector, value in suppressed.values() if small(value)]
    for where, vector, value in small_cells:
        low, high = extreme(vector, 1), extreme(vector, -1)
        solves += 2
        if low is not None and not low <= value:
            raise SystemExit(f"{where}: the true value {value} is below the solver's minimum {low}")
        if high is not None and not value <= high:
            raise SystemExit(f"{where}: the true value {value} is above the solver's maximum {high}")
        if high is None:
            widths.append(None)
        else:
            widths.append(high - low)
            if low == high:
                pinned.append({"where": where, "value": value})
    finite = [width for width in widths if width is not None]
    json.dump({"suppressed": len(suppressed), "small_suppressed": len(small_cells), "solves": solves,
               "published_equations": len(equations), "variables": len(model.index), "pinned": pinned,
               "smallest_width": min(finite) if finite else None}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
