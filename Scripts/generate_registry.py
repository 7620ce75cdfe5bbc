#!/usr/bin/env python3
"""Generate a synthetic, valid product registry for benchmarks and demonstrations.

    generate_registry.py OUT_DIR --products N --versions M [--demographic-share 0.2]
        [--audit-share 0.05] [--board-size 5] [--approvals 3] [--allegations 2000]
        [--seed 1] [--date 2026-11-20] [--fresh-keys] [--jobs N]

OUT_DIR becomes a new git repository holding N products under Products/<id>/, each with M versions
in its history, a quorum-signed board keyring (Reviews/board/keyring.v0001), signed approvals of
every product's newest version and Data/allegations.csv. The whole history is written with one
`git fast-import` stream and the statements are signed with batched, parallel `ssh-keygen -Y sign`
calls, so 1,000 products x 10 versions take about 30 s of CPU (under two minutes of wall time even
on a busy 2-core machine) instead of hours of `git commit` calls.

With the demonstration keys of Tests/Fixtures/bench-board/ (the default for boards of up to 15)
the result is byte-identical for the same arguments: same commits, same signatures. Those keys are
public; never trust a registry signed with them.

Python 3 standard library only.
"""

import argparse
import concurrent.futures
import csv
import datetime
import functools
import hashlib
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIXTURE_KEYS = Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "bench-board"
MEMBER_NAMES = ["alice", "bob", "carol", "dana", "erin", "farid", "grace", "hiro", "ines",
                "jamal", "kofi", "lena", "mateo", "nadia", "oscar"]
REVIEW_NAMESPACE = "review@analytics-registry"
KEYRING_NAMESPACE = "keyring@analytics-registry"
MIN_CELL = 11

STATIONS = ["Central", "Harbor Point", "Union Square", "Riverside", "Airport", "Market Street",
            "University", "Civic Center", "Eastgate", "Northfield", "Lakeview", "Old Town",
            "Stadium", "Medical Center", "West End", "Broadway"]
INCIDENT_TYPES = ["assault", "robbery", "harassment", "theft", "vandalism", "weapons",
                  "trespass", "fare dispute"]
AGE_BANDS = ["under 18", "18-24", "25-44", "45-64", "65 and over"]
SUBJECTS = ["station", "platform", "line", "bus-stop", "depot", "parking", "elevator", "fare-gate",
            "night-service", "event-day", "school-trip", "park-and-ride", "terminal", "corridor"]
KINDS = ["incident-hotspots", "staffing-forecast", "outreach-demand", "inspection-allocation",
         "crowding-alerts", "patrol-priorities", "lighting-faults", "complaint-trends",
         "response-times", "safety-perception", "ambassador-routing", "camera-coverage"]
TEAMS = ["Public Safety Analytics", "System Safety", "Operations Planning", "Customer Experience",
         "Transit Police Crime Analysis", "Social Services Partnerships", "Fare Policy"]
ROLES = ["Director of System Safety", "Chief of Transit Police", "Director of Operations Planning",
         "Head of Customer Experience", "Manager of Social Services Partnerships"]
VENDORS = [("Metrosight Analytics", "CrowdLens", "C-2024-118"), ("Northwind Data", "PatrolPlan", "C-2023-042"),
           ("Civic Signals Ltd", "SafeRoute", "C-2025-007")]
SERVICES = ["Transit Police", "Contract Security", "Fare Inspection", "Station Ambassadors",
            "Crisis Outreach"]
BASES = ["age", "disability", "ethnicity", "gender", "nationality", "race", "religion",
         "sexual orientation"]
ACTIONS = ["stop", "warning", "citation", "fare inspection", "removal from system", "arrest",
           "use of force"]
FINDINGS = ["sustained", "not sustained", "exonerated", "unfounded"]
STATUS_WEIGHTS = [("in-use", 70), ("development", 15), ("proposed", 10), ("retired", 5)]

PYTHON_ENTRY = '''"""Counts per {group} over the last weeks; counts from 1 to {low} are left empty (small cells)."""
import csv
import os
from collections import Counter

LOOKBACK_WEEKS = {lookback}
COUNTED_TYPES = {types!r}
MIN_CELL = {min_cell}

source = os.path.join(os.environ["REGISTRY_INPUT"], "incidents.csv")
target = os.environ["REGISTRY_OUTPUT"]
with open(source, newline="") as handle:
    rows = [row for row in csv.DictReader(handle) if row["incident_type"] in COUNTED_TYPES]
weeks = sorted({{row["week_start"] for row in rows}})[-LOOKBACK_WEEKS:]
counts = Counter(({keys}) for row in rows if row["week_start"] in weeks)
with open(os.path.join(target, "{output}"), "w", newline="") as handle:
    writer = csv.writer(handle, lineterminator="\\n")
    writer.writerow([{header}, "incidents"])
    for key in sorted(counts):
        count = counts[key]
        writer.writerow([*key, count if count >= MIN_CELL else ""])
'''

PYTHON_DECISIONS = '''
with open(os.path.join(target, "decisions.csv"), "w", newline="") as handle:
    writer = csv.writer(handle, lineterminator="\\n")
    writer.writerow(["incident_key", "station", "prioritised"])
    busy = {{station for (station, *_), count in counts.items() if count >= MIN_CELL}}
    for row in sorted(rows, key=lambda row: row["incident_key"]):
        writer.writerow([row["incident_key"], row["station"], 1 if row["station"] in busy else 0])
'''

SHELL_ENTRY = '''#!/bin/sh
# Counts per station and incident type; counts from 1 to {low} are left empty (small cells).
set -eu
MIN_CELL={min_cell}
awk -F, -v min="$MIN_CELL" '
NR == 1 {{ for (i = 1; i <= NF; i++) column[$i] = i; next }}
{{ count[$column["station"] "," $column["incident_type"]]++ }}
END {{ for (key in count) print key "," (count[key] >= min ? count[key] : "") }}
' "$REGISTRY_INPUT/incidents.csv" | LC_ALL=C sort > "$REGISTRY_OUTPUT/counts.body"
{{ echo "station,incident_type,incidents"; cat "$REGISTRY_OUTPUT/counts.body"; }} > "$REGISTRY_OUTPUT/{output}"
rm "$REGISTRY_OUTPUT/counts.body"
'''


# ----------------------------------------------------------------------------------------------
# Git object ids and the DESIGN section 2 content digest, computed in memory.

def git_blob_id(content):
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def git_tree_id(files):
    """The git tree id of {relative path: (mode, bytes)}."""
    entries = {}
    subtrees = {}
    for path, (mode, content) in files.items():
        head, _, rest = path.partition("/")
        if rest:
            subtrees.setdefault(head, {})[rest] = (mode, content)
        else:
            entries[head] = (mode.encode(), bytes.fromhex(git_blob_id(content)))
    for name, children in subtrees.items():
        entries[name] = (b"40000", bytes.fromhex(git_tree_id(children)))

    def sort_key(name):
        return name.encode() + (b"/" if name in subtrees else b"")

    body = b"".join(mode + b" " + name.encode() + b"\0" + oid
                    for name, (mode, oid) in sorted(entries.items(), key=lambda item: sort_key(item[0])))
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def content_digest(files):
    lines = sorted((path.encode(), f"{mode} {hashlib.sha256(content).hexdigest()} {path}\n".encode())
                   for path, (mode, content) in files.items())
    return hashlib.sha256(b"".join(line for _, line in lines)).hexdigest()


# ----------------------------------------------------------------------------------------------
# A small YAML writer for the manifest's shapes (mappings, lists, strings, ints, booleans).

PLAIN_SCALAR = re.compile(r"[A-Za-z][^:#{}\[\],&*!|>'\"%@`\n]*")
YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


@functools.lru_cache(maxsize=65536)
def yaml_text(text):
    """A string as a plain scalar when that cannot be misread, else as a double-quoted one."""
    plain = PLAIN_SCALAR.fullmatch(text) and text == text.rstrip() and text.lower() not in YAML_WORDS
    return text if plain else json.dumps(text, ensure_ascii=False)


def yaml_scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return yaml_text(value)


def yaml_lines(value, indent=0):
    pad = " " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(yaml_lines(item, indent + 2))
            elif isinstance(item, dict):
                lines.append(f"{pad}{key}: {{}}")
            elif isinstance(item, list):
                lines.append(f"{pad}{key}: []")
            else:
                lines.append(f"{pad}{key}: {yaml_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict):
                nested = yaml_lines(item, indent + 2)
                nested[0] = f"{pad}- " + nested[0][indent + 2:]
                lines.extend(nested)
            else:
                lines.append(f"{pad}- {yaml_scalar(item)}")
    return lines


def render_manifest(manifest):
    header = "# yaml-language-server: $schema=../../Schemas/product.schema.json"
    return ("\n".join([header] + yaml_lines(manifest)) + "\n").encode()


# ----------------------------------------------------------------------------------------------
# Products.

def product_ids(rng, count):
    ids = []
    seen = set()
    combos = [f"{subject}-{kind}" for subject in SUBJECTS for kind in KINDS]
    rng.shuffle(combos)
    for index in range(count):
        base = combos[index % len(combos)]
        candidate = base if base not in seen else f"{base}-{index // len(combos) + 1}"
        seen.add(candidate)
        ids.append(candidate)
    return ids


def weighted(rng, pairs):
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def sample_rows(rng, demographic, weeks, start):
    """Incident rows, skewed towards a few stations and types so that some cells pass the small-cell threshold."""
    count = rng.randint(240, 360)
    stations = rng.choices(rng.sample(STATIONS, 4), weights=[8, 4, 2, 1], k=count)
    types = rng.choices(rng.sample(INCIDENT_TYPES, 4), weights=[6, 3, 2, 1], k=count)
    days = rng.choices(weeks, k=count)
    bands = rng.choices(AGE_BANDS, k=count) if demographic else None
    rows = []
    for number in range(count):
        row = {"incident_key": f"INC-{start + number:06d}", "station": stations[number],
               "week_start": days[number], "incident_type": types[number]}
        if bands:
            row["age_band"] = bands[number]
        rows.append(row)
    return rows


def csv_bytes(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[column] for column in header])
    return buffer.getvalue().encode()


class Product:
    """One product: its manifest and files at the current version, and how it evolves."""

    def __init__(self, rng, product_id, index, demographic, audited, shell, anchor, owner_member):
        self.rng = rng
        self.id = product_id
        self.demographic = demographic
        self.audited = audited
        self.shell = shell and not demographic and not audited
        self.index = index
        self.major, self.minor, self.patch = 1, 0, 0
        self.lookback = rng.choice([4, 6, 8, 12])
        self.weeks = [(anchor - datetime.timedelta(days=7 * (12 - week) + anchor.weekday())).isoformat()
                      for week in range(12)]
        self.columns = ["incident_key", "station", "week_start", "incident_type"] + (["age_band"] if demographic else [])
        self.set_rows(sample_rows(rng, demographic, self.weeks, index * 1000))
        self.changes = []
        title = product_id.replace("-", " ").title()
        subject = next(name for name in SUBJECTS if product_id.startswith(name + "-"))
        kind = re.sub(r"-\d+$", "", product_id[len(subject) + 1:])
        vendor = VENDORS[rng.randrange(len(VENDORS))] if rng.random() < 0.1 else None
        columns = self.columns
        group = "station and age band" if demographic else "station and incident type"
        self.output = "incident_counts.csv"
        output_columns = [{"name": "station", "type": "string"},
                          {"name": "age_band" if demographic else "incident_type", "type": "string"},
                          {"name": "incidents", "type": "integer"}]
        self.output_header = [column["name"] for column in output_columns]
        status = weighted(rng, STATUS_WEIGHTS)
        outputs = [{
            "name": self.output, "format": "csv", "level": "aggregate", "columns": output_columns,
            "count_column": "incidents", "directs_deployment": status == "in-use", "public": True,
        }]
        if audited:
            outputs.append({
                "name": "decisions.csv", "format": "csv", "level": "record",
                "columns": [{"name": "incident_key", "type": "string"},
                            {"name": "station", "type": "string"},
                            {"name": "prioritised", "type": "integer"}],
                "directs_deployment": True, "public": False,
            })
        manifest = {
            "id": product_id,
            "name": title,
            "version": "1.0.0",
            "status": status,
            "summary": f"Counts of reported incidents per {group} over recent weeks, used by {rng.choice(TEAMS)} "
                       f"to plan {kind.replace('-', ' ')} work.",
            "purpose": f"Gives the weekly planning meeting a consistent, explainable picture of where "
                       f"{subject.replace('-', ' ')} incidents are reported, so that staff are posted "
                       f"where harm is reported rather than where enforcement has historically been "
                       f"concentrated.",
            "decision_use": "The planner reads the table at the weekly meeting and proposes the next "
                            "week's postings; the table is one input among several and nothing is "
                            "posted automatically.",
            "human_oversight": "Postings are proposed by the planner and signed off by the duty "
                               "supervisor; any change of more than two staff at a station is "
                               "discussed with the station manager first.",
            "non_law_enforcement_response": rng.random() < 0.4,
            "owner": {
                "team": rng.choice(TEAMS),
                "accountable_role": rng.choice(ROLES),
                "contact": f"{product_id}@transit.example.org",
                "board_members": [owner_member] if owner_member else [],
            },
        }
        if vendor:
            manifest["vendor"] = {"name": vendor[0], "product": vendor[1], "contract": vendor[2]}
        manifest.update({
            "legal_basis": "Board Public Safety Analytics Policy, section 4 (deployment analytics); "
                           "incident reports are agency records kept under retention schedule RR-12.",
            "risks": [
                {"risk": "Small weekly counts could identify the people involved in an incident.",
                 "mitigation": f"Counts from 1 to {MIN_CELL - 1} are published as empty cells and no "
                               f"totals are published."},
                {"risk": "Stations with more staff generate more staff-initiated reports, a feedback loop.",
                 "mitigation": "The quarterly equity review compares rider-initiated reports per station "
                               "against posting levels."},
            ],
            "impact_assessments": [
                {"title": f"{title} equity impact assessment",
                 "date": (anchor - datetime.timedelta(days=rng.randint(60, 500))).isoformat(),
                 "link": f"https://transit.example.org/safety/assessments/{product_id}-eia.pdf"},
            ],
            "review_due": (anchor + datetime.timedelta(days=rng.randint(120, 540))).isoformat(),
            "data_sources": [{
                "id": "security-incident-reports",
                "name": "Security incident report export",
                "origin": "internal",
                "steward": "Transit Police Records Unit",
                "fields": columns,
            }],
            "demographic_fields": [{
                "field": "age_band",
                "source": "security-incident-reports",
                "justification": "Riders under 18 ride free under the youth fare programme and the "
                                 "board asked for proof that postings do not fall disproportionately on "
                                 "trips young people take; the age band is only counted, after postings "
                                 "are planned, and never changes a posting.",
            }] if demographic else [],
            "inputs": [{
                "name": "incidents.csv",
                "source": "security-incident-reports",
                "sample": "data/incidents.csv",
                "columns": columns,
            }],
            "outputs": outputs,
            "run": {
                "command": ["sh", "main.sh"] if self.shell else ["python3", "main.py"],
                "time_limit_seconds": 30,
                "memory_limit_mb": 256,
            },
        })
        if audited:
            manifest["audit"] = {
                "file": "audit/incident_attributes.csv",
                "key": "incident_key",
                "attributes": ["race_ethnicity", "gender"],
                "label_column": "harm_confirmed",
                "output": "decisions.csv",
                "decision_column": "prioritised",
                "selected_value": "1",
                "selection_is": "adverse",
            }
        # The salt comes from the id, not the random stream, so the rest of the registry stays as it was.
        salt = hashlib.sha256(f"withheld-salt:{product_id}".encode()).hexdigest()
        manifest["public"] = {"withheld": [{"field": "vendor", "reason": "contract terms", "salt": salt}]
                              if vendor and rng.random() < 0.5 else []}
        if rng.random() < 0.2:
            manifest["translations"] = {"es": {
                "name": f"{title} (es)",
                "summary": "Recuento semanal de incidentes denunciados, usado para planificar la asignación de personal.",
            }}
        self.manifest = manifest
        self.group = group

    @property
    def version(self):
        return f"{self.major}.{self.minor}.{self.patch}"

    def files(self):
        files = {"product.yaml": ("100644", render_manifest(self.manifest)),
                 "README.md": ("100644", self.readme()),
                 "data/incidents.csv": ("100644", self.sample_csv)}
        if self.shell:
            files["main.sh"] = ("100755", SHELL_ENTRY.format(low=MIN_CELL - 1, min_cell=MIN_CELL,
                                                            output=self.output).encode())
        else:
            keys = 'row["station"], row["age_band"]' if self.demographic else 'row["station"], row["incident_type"]'
            header = ", ".join(json.dumps(name) for name in self.output_header[:-1])
            source = PYTHON_ENTRY.format(group=self.group, low=MIN_CELL - 1, lookback=self.lookback,
                                         types=self.counted_types, min_cell=MIN_CELL, keys=keys,
                                         output=self.output, header=header)
            if self.audited:
                source += PYTHON_DECISIONS.format()
            files["main.py"] = ("100644", source.encode())
        if self.audited:
            files["audit/incident_attributes.csv"] = ("100644", self.audit_csv)
        return files

    def readme(self):
        lines = [f"# {self.manifest['name']}", "", self.manifest["summary"], "", "## Changes", ""]
        lines += [f"- {version}: {change}" for version, change in self.changes] or ["- 1.0.0: first registered version"]
        return ("\n".join(lines) + "\n").encode()

    def set_rows(self, rows):
        """Replaces the sample, rendering its CSV (and the held-back audit CSV) once."""
        self.rows = rows
        self.counted_types = sorted({row["incident_type"] for row in rows})
        self.sample_csv = csv_bytes(self.columns, rows)
        self.audit_csv = self.render_audit(rows) if self.audited else b""

    def render_audit(self, rows):
        rng = random.Random(f"{self.id}-audit-{rows[0]['incident_key']}")
        groups = ["Black", "Hispanic or Latino", "White", "Asian", "Other"]
        rows = [{"incident_key": row["incident_key"], "race_ethnicity": rng.choice(groups),
                 "gender": rng.choice(["female", "male", "nonbinary"]),
                 "harm_confirmed": str(int(rng.random() < 0.4))} for row in rows]
        return csv_bytes(["incident_key", "race_ethnicity", "gender", "harm_confirmed"], rows)

    def evolve(self, step):
        """Move to the next version with one realistic change; returns the commit message."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.05:
            self.major, self.minor, self.patch = self.major + 1, 0, 0
        elif roll < 0.6:
            self.minor, self.patch = self.minor + 1, 0
        else:
            self.patch += 1
        kind = (step + self.index) % 5
        if kind == 0:
            old = self.lookback
            self.lookback = rng.choice([value for value in (4, 6, 8, 12) if value != old])
            change = f"look back {self.lookback} weeks instead of {old}"
        elif kind == 1:
            self.set_rows(sample_rows(rng, self.demographic, self.weeks, self.index * 1000 + step * 7))
            change = "refresh the sample with the latest quarter's reports"
        elif kind == 2:
            self.manifest["risks"].append({
                "risk": f"Planners may read a quiet week at {rng.choice(STATIONS)} as safe.",
                "mitigation": "The table shows the look-back period and the weekly meeting notes any "
                              "station with suppressed counts.",
            })
            change = "record a risk raised at the equity review"
        elif kind == 3:
            due = datetime.date.fromisoformat(self.manifest["review_due"])
            self.manifest["review_due"] = (due + datetime.timedelta(days=rng.randint(60, 180))).isoformat()
            change = "move the review date after the board's scheduling decision"
        else:
            self.manifest["summary"] = self.manifest["summary"].rstrip(".") + f" (revision {step})."
            change = "clarify the summary after public comments"
        self.manifest["version"] = self.version
        self.changes.append((self.version, change))
        return f"{self.id} {self.version}: {change}"


# ----------------------------------------------------------------------------------------------
# Signing.

def prepare_keys(board_size, fresh, work):
    """Member name -> (private key path, public key line), copied or generated into `work`."""
    keys = {}
    for number in range(board_size):
        name = MEMBER_NAMES[number] if number < len(MEMBER_NAMES) else f"member{number + 1:02d}"
        target = work / name
        fixture = FIXTURE_KEYS / name
        if not fresh and fixture.exists():
            shutil.copyfile(fixture, target)
            shutil.copyfile(fixture.with_suffix(".pub"), target.with_suffix(".pub"))
        else:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@bench-board.example",
                            "-f", str(target)], check=True, stdin=subprocess.DEVNULL)
        os.chmod(target, 0o600)
        public = target.with_suffix(".pub").read_text().split()
        keys[name] = (target, f"{public[0]} {public[1]}")
    return keys


def sign_all(keys, namespace, pending, jobs):
    """Signs every (member, file) pair with batched ssh-keygen calls on a pool of processes."""
    by_member = {}
    for member, path in pending:
        by_member.setdefault(member, []).append(str(path))
    batches = []
    for member, paths in by_member.items():
        size = max(1, min(200, -(-len(paths) // max(1, jobs))))
        batches += [(member, paths[start:start + size]) for start in range(0, len(paths), size)]

    def sign(batch):
        member, paths = batch
        result = subprocess.run(["ssh-keygen", "-q", "-Y", "sign", "-n", namespace, "-f", str(keys[member][0])] + paths,
                                capture_output=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError(f"ssh-keygen -Y sign failed for {member}: {result.stderr.decode().strip()}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(sign, batches))


# ----------------------------------------------------------------------------------------------
# The fast-import stream.

class Stream:
    def __init__(self, handle):
        self.handle = handle
        self.mark = 0

    def data(self, content):
        self.handle.write(b"data %d\n" % len(content))
        self.handle.write(content)
        self.handle.write(b"\n")

    def commit(self, when, message, changes, author="Registry Analyst <analyst@transit.example.org>"):
        self.mark += 1
        stamp = f"{author} {int(when.timestamp())} +0000\n".encode()
        self.handle.write(b"commit refs/heads/main\nmark :%d\n" % self.mark)
        self.handle.write(b"author " + stamp + b"committer " + stamp)
        self.data(message.encode())
        if self.mark > 1:
            self.handle.write(b"from :%d\n" % (self.mark - 1))
        for path, (mode, content) in changes.items():
            self.handle.write(f"M {mode} inline {path}\n".encode())
            self.data(content)
        self.handle.write(b"\n")


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def allegations_csv(rng, count, in_use_ids, anchor):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "date_received", "responding_service", "basis", "action_type", "status",
                     "finding", "product_ids"])
    for number in range(count):
        received = anchor - datetime.timedelta(days=rng.randint(0, 730))
        status = weighted(rng, [("closed", 70), ("open", 30)])
        bases = sorted(rng.sample(BASES, 1 if rng.random() < 0.75 else 2))
        linked = sorted(rng.sample(in_use_ids, min(len(in_use_ids), rng.choice([0, 0, 1, 1, 2]))))
        writer.writerow([f"AL-{received.year}-{number + 1:05d}", received.isoformat(),
                         weighted(rng, [(service, 6 - rank) for rank, service in enumerate(SERVICES)]),
                         ";".join(bases), rng.choice(ACTIONS), status,
                         rng.choice(FINDINGS) if status == "closed" else "pending", ";".join(linked)])
    return buffer.getvalue().encode()


class Phases:
    """Wall-clock time per generation phase, for the summary line."""

    def __init__(self):
        self.mark = time.monotonic()
        self.spent = []

    def end(self, name):
        now = time.monotonic()
        self.spent.append((name, now - self.mark))
        self.mark = now

    def __str__(self):
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.spent)


def thresholds(board_size):
    majority = board_size // 2 + 1
    return {
        "threshold-keyring": majority,
        "threshold-approval": max(1, -(-board_size * 2 // 5)),
        "threshold-approval-demographic": majority,
        "threshold-board-revocation": majority,
    }


def generate(args):
    started = time.monotonic()
    phases = Phases()
    out = Path(args.out_dir).resolve()
    if out.exists() and any(out.iterdir()):
        sys.exit(f"generate_registry.py: '{out}' exists and is not empty; pass a new folder.")
    rng = random.Random(args.seed)
    anchor = datetime.datetime.combine(args.date, datetime.time(9, 0), tzinfo=datetime.timezone.utc)
    limits = thresholds(args.board_size)

    # Thousands of small statement files: keep them in memory-backed storage when there is some.
    scratch = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="bench-registry-", dir=scratch) as temporary:
        work = Path(temporary)
        (work / "keys").mkdir()
        keys = prepare_keys(args.board_size, args.fresh_keys, work / "keys")
        members = list(keys)
        approvals = min(args.approvals, args.board_size)

        keyring = "".join([
            "format: analytics-registry/1\n", "type: keyring\n", "version: 1\n",
            f"expires: {stamp(anchor + datetime.timedelta(days=400))}\n",
        ] + [f"{key}: {value}\n" for key, value in limits.items()]
          + [f"member: {member} {keys[member][1]}\n" for member in members]).encode()
        staging = work / "staging"
        (staging / "Reviews/board/keyring.v0001.sigs").mkdir(parents=True)
        (staging / "Reviews/board/keyring.v0001").write_bytes(keyring)
        pending = []
        for member in members:
            copy = staging / "Reviews/board/keyring.v0001.sigs" / member
            copy.write_bytes(keyring)
            pending.append((member, copy))
        sign_all(keys, KEYRING_NAMESPACE, pending, args.jobs)
        keyring_sigs = {f"Reviews/board/keyring.v0001.sigs/{member}.sig":
                        ("100644", (staging / "Reviews/board/keyring.v0001.sigs" / f"{member}.sig").read_bytes())
                        for member in members}
        for member in members:
            (staging / "Reviews/board/keyring.v0001.sigs" / member).unlink()

        ids = product_ids(rng, args.products)
        demographic = set(rng.sample(ids, round(args.demographic_share * len(ids))))
        audited = set(rng.sample(ids, max(1 if ids else 0, round(args.audit_share * len(ids)))))
        products = []
        for index, product_id in enumerate(ids):
            owner = rng.choice(members) if rng.random() < 0.02 and args.board_size > approvals else None
            products.append(Product(random.Random(f"{args.seed}-{product_id}"), product_id, index,
                                    product_id in demographic, product_id in audited,
                                    rng.random() < 0.3, anchor.date(), owner))

        subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True)
        config = {"title": f"Synthetic Analytics Registry ({args.products} products)",
                  "agency": "Example Regional Transit Authority",
                  "contact": "registry@transit.example.org",
                  "trust_anchor": hashlib.sha256(keyring).hexdigest()}
        total_commits = 1 + args.products * args.versions + 1
        first = anchor - datetime.timedelta(days=720)
        spacing = datetime.timedelta(days=700) / max(1, total_commits)
        phases.end("setup")
        # Stream the history straight into git while it is generated: both cores stay busy.
        importer = subprocess.Popen(["git", "-C", str(out), "fast-import", "--quiet"], stdin=subprocess.PIPE)
        with importer.stdin as handle:
            stream = Stream(handle)
            root = {"registry.json": ("100644", (json.dumps(config, indent=2, sort_keys=True) + "\n").encode()),
                    ".gitignore": ("100644", b".registry/\n"),
                    ".gitattributes": ("100644", b"Reviews/** -text\n"),
                    "README.md": ("100644", b"# Synthetic analytics registry\n\nGenerated by Scripts/generate_registry.py "
                                  b"for benchmarks and demonstrations; signed with public demonstration keys.\n"),
                    "Reviews/board/keyring.v0001": ("100644", keyring)}
            root.update(keyring_sigs)
            stream.commit(first, "Set up the registry and the board's first keyring", root)
            moment = first
            current = {}
            for step in range(args.versions):
                for product in products:
                    moment += spacing
                    message = f"Register {product.id} 1.0.0" if step == 0 else product.evolve(step)
                    files = product.current_files = product.files()
                    changed = {f"Products/{product.id}/{path}": entry for path, entry in files.items()
                               if current.get((product.id, path)) != entry}
                    for path, entry in files.items():
                        current[(product.id, path)] = entry
                    stream.commit(moment, message, changed)

            reviews = {}
            pending = []
            issued = anchor - datetime.timedelta(days=2)
            for product in products:
                files = product.current_files
                tree = git_tree_id(files)
                digest = content_digest(files)
                fields = ",".join(sorted(field["field"] for field in product.manifest["demographic_fields"]))
                owners = set(product.manifest["owner"]["board_members"])
                reviewers = sorted(product.rng.sample([member for member in members if member not in owners],
                                                      approvals))
                folder = staging / "Reviews" / product.id / product.version
                folder.mkdir(parents=True)
                product.tree, product.digest = tree, digest
                for member in reviewers:
                    statement = (
                        "format: analytics-registry/1\n"
                        "type: approval\n"
                        f"product: {product.id}\n"
                        f"version: {product.version}\n"
                        f"tree: {tree}\n"
                        f"content-sha256: {digest}\n"
                        + (f"demographic-fields: {fields}\n" if fields else "demographic-fields:\n")
                        + f"reviewer: {member}\n"
                        f"issued: {stamp(issued)}\n"
                        f"expires: {stamp(issued + datetime.timedelta(days=182))}\n"
                        f"comment: Reviewed {product.version} at the board meeting of {issued.date().isoformat()}.\n"
                    ).encode()
                    path = folder / f"{member}.approval"
                    path.write_bytes(statement)
                    pending.append((member, path))
                    reviews[f"Reviews/{product.id}/{product.version}/{member}.approval"] = ("100644", statement)
            phases.end("history")
            sign_all(keys, REVIEW_NAMESPACE, pending, args.jobs)
            phases.end("signing")
            for _, path in pending:
                relative = path.relative_to(staging).as_posix() + ".sig"
                reviews[relative] = ("100644", Path(str(path) + ".sig").read_bytes())
            in_use = [product.id for product in products if product.manifest["status"] == "in-use"]
            reviews["Data/allegations.csv"] = ("100644", allegations_csv(rng, args.allegations, in_use, anchor.date()))
            stream.commit(anchor - datetime.timedelta(days=1),
                          "Record the board's approvals and the allegations register", reviews,
                          author="Board Secretary <board@transit.example.org>")

        if importer.wait() != 0:
            sys.exit(f"generate_registry.py: git fast-import failed with status {importer.returncode}.")
        phases.end("fast-import")
        subprocess.run(["git", "-C", str(out), "checkout", "-q", "-f", "main"], check=True)
        phases.end("checkout")
        for key, value in (("user.name", "Benchmark Analyst"), ("user.email", "analyst@transit.example.org")):
            subprocess.run(["git", "-C", str(out), "config", key, value], check=True)

        listing = subprocess.run(["git", "-C", str(out), "ls-tree", "-d", "HEAD:Products"] if products else ["true"],
                                 capture_output=True, text=True, check=True).stdout
        actual = {line.split("\t")[1]: line.split()[2] for line in listing.splitlines()}
        wrong = [product.id for product in products if actual.get(product.id) != product.tree]
        if wrong:
            sys.exit(f"generate_registry.py: the computed tree id of {wrong[0]} does not match git; "
                     f"this is a bug in the generator.")
        phases.end("tree check")

    phases.end("cleanup")
    elapsed = time.monotonic() - started
    signatures = len(pending) + len(members)
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"Generated {out}: {len(products)} products x {args.versions} versions, {stream.mark} commits, "
          f"{signatures} signatures, {args.allegations} allegations in {elapsed:.1f} s ({phases}); "
          f"CPU {own.ru_utime + own.ru_stime:.1f} s in Python, "
          f"{children.ru_utime + children.ru_stime:.1f} s in git and ssh-keygen.")
    return elapsed


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", metavar="OUT_DIR", help="a new or empty folder to create the registry in")
    parser.add_argument("--products", type=int, required=True, help="how many products")
    parser.add_argument("--versions", type=int, required=True, help="versions (commits) per product")
    parser.add_argument("--demographic-share", type=float, default=0.2,
                        help="share of products declaring a demographic field (default 0.2)")
    parser.add_argument("--audit-share", type=float, default=0.05,
                        help="share of products with an audit block and audit CSV (default 0.05, at least one)")
    parser.add_argument("--board-size", type=int, default=5, help="board members (default 5; up to 15 use the demo keys, more get generated keys)")
    parser.add_argument("--approvals", type=int, default=3, help="approvals signed for each product's newest version (default 3)")
    parser.add_argument("--allegations", type=int, default=2000, help="rows of Data/allegations.csv (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same repository)")
    parser.add_argument("--date", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 20),
                        help="the day the registry speaks for (YYYY-MM-DD): statements are issued two days "
                             "before it and expire six months later (default 2026-11-20)")
    parser.add_argument("--fresh-keys", action="store_true",
                        help="generate new board keys instead of the demo keys (output is then not reproducible)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="parallel ssh-keygen processes (default: one per core)")
    args = parser.parse_args(argv)
    if args.products < 1 or args.versions < 1:
        parser.error("--products and --versions must be at least 1")
    if not 0 <= args.demographic_share <= 1 or not 0 <= args.audit_share <= 1:
        parser.error("--demographic-share and --audit-share must be between 0 and 1")
    if args.board_size < 1:
        parser.error("--board-size must be at least 1")
    if args.approvals < 1:
        parser.error("--approvals must be at least 1")
    if args.approvals < thresholds(args.board_size)["threshold-approval-demographic"]:
        print(f"generate_registry.py: note: {args.approvals} approvals are fewer than the demographic "
              f"threshold of {thresholds(args.board_size)['threshold-approval-demographic']}; products "
              f"declaring demographic fields will be pending.", file=sys.stderr)
    return args


if __name__ == "__main__":
    generate(parse_arguments(sys.argv[1:]))
