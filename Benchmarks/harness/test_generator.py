"""Tests of Scripts/generate_registry.py: run with `python3 -m unittest Benchmarks/harness/test_generator.py`.

Checks what a registry user would notice: manifests use exactly the keys of ProductManifest.swift,
entry points produce their declared outputs reproducibly with small cells suppressed, statements are
canonical and verify with stock ssh-keygen, and the same seed gives the same repository.
Needs PyYAML (Debian python3-yaml) to read manifests back; the generator itself needs only the stdlib.
"""

import csv
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "Scripts" / "generate_registry.py"
CHECKER = ROOT / "Benchmarks" / "harness" / "check_registry.sh"
MANIFEST_SWIFT = ROOT / "Sources" / "ProductModel" / "ProductManifest.swift"
OPTIONAL = {"ProductManifest": {"vendor", "audit", "translations"}, "ProductOutput": {"count_column"},
            "AuditSpec": {"label_column"}, "Vendor": {"product", "contract"},
            "Translation": {"name", "summary", "purpose"}}
STATEMENT_KEYS = ["format", "type", "product", "version", "tree", "content-sha256", "demographic-fields",
                  "reviewer", "issued", "expires", "comment"]
BASES = {"age", "disability", "ethnicity", "gender", "nationality", "race", "religion", "sexual orientation"}


def coding_keys():
    """{Swift type: [YAML keys]} read from the CodingKeys enums of ProductManifest.swift."""
    source = MANIFEST_SWIFT.read_text()
    keys = {}
    for match in re.finditer(r"public struct (\w+)[^{]*\{(.*?)\n\}", source, re.S):
        enum = re.search(r"enum CodingKeys[^{]*\{(.*?)\}", match.group(2), re.S)
        if not enum:
            continue
        names = []
        for case in re.findall(r"case ([^\n}]+)", enum.group(1)):
            for item in case.split(","):
                item = item.strip()
                raw = re.search(r'"([^"]+)"', item)
                names.append(raw.group(1) if raw else item.strip("`"))
        keys[match.group(1)] = names
    return keys


def generate(folder, *arguments):
    result = subprocess.run([sys.executable, str(GENERATOR), str(folder), *arguments],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"generator failed: {result.stderr}")
    return result


def git(repo, *arguments):
    return subprocess.run(["git", "-C", str(repo), *arguments], capture_output=True, text=True,
                          check=True).stdout.strip()


class GeneratedRegistryTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory()
        cls.repo = Path(cls.scratch.name) / "registry"
        generate(cls.repo, "--products", "24", "--versions", "4", "--demographic-share", "0.25",
                 "--audit-share", "0.1", "--allegations", "300", "--seed", "7")
        cls.keys = coding_keys()
        cls.manifests = {folder.name: yaml.safe_load((folder / "product.yaml").read_text())
                         for folder in sorted((cls.repo / "Products").iterdir())}

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def assert_keys(self, value, type_name, where):
        allowed = set(self.keys[type_name])
        required = allowed - OPTIONAL.get(type_name, set())
        self.assertLessEqual(set(value), allowed, f"{where}: keys not in {type_name}.CodingKeys")
        self.assertLessEqual(required, set(value), f"{where}: required {type_name} keys missing")

    def test_manifests_use_exactly_the_coding_keys(self):
        nested = {"owner": "ProductOwner", "vendor": "Vendor", "run": "RunSpec", "audit": "AuditSpec",
                  "public": "PublicationSpec"}
        lists = {"risks": "Risk", "impact_assessments": "ImpactAssessment", "data_sources": "DataSource",
                 "demographic_fields": "DemographicField", "inputs": "ProductInput", "outputs": "ProductOutput"}
        self.assertEqual(len(self.manifests), 24)
        seen_optional = set()
        for product, manifest in self.manifests.items():
            self.assert_keys(manifest, "ProductManifest", product)
            seen_optional |= set(manifest) & OPTIONAL["ProductManifest"]
            self.assertEqual(manifest["id"], product)
            self.assertRegex(product, r"^[a-z0-9][a-z0-9-]{1,62}$")
            self.assertIn(manifest["status"], {"proposed", "development", "in-use", "retired"})
            for key, type_name in nested.items():
                if key in manifest:
                    self.assert_keys(manifest[key], type_name, f"{product}.{key}")
            for key, type_name in lists.items():
                for item in manifest[key]:
                    self.assert_keys(item, type_name, f"{product}.{key}[]")
            for output in manifest["outputs"]:
                for column in output["columns"]:
                    self.assert_keys(column, "OutputColumn", f"{product}.outputs[].columns[]")
            for withheld in manifest["public"]["withheld"]:
                self.assert_keys(withheld, "WithheldField", f"{product}.public.withheld[]")
                self.assertIn(withheld["field"], manifest)
            for translation in manifest.get("translations", {}).values():
                self.assert_keys(translation, "Translation", f"{product}.translations")
            source_ids = {source["id"] for source in manifest["data_sources"]}
            for item in manifest["inputs"] + manifest["demographic_fields"]:
                self.assertIn(item["source"], source_ids)
            first_line = (self.repo / "Products" / product / "product.yaml").read_text().splitlines()[0]
            self.assertEqual(first_line, "# yaml-language-server: $schema=../../Schemas/product.schema.json")
        self.assertIn("audit", seen_optional)

    def test_shares_of_demographic_and_audited_products(self):
        demographic = [m for m in self.manifests.values() if m["demographic_fields"]]
        audited = [m for m in self.manifests.values() if "audit" in m]
        self.assertEqual(len(demographic), 6)
        self.assertEqual(len(audited), 2)
        for manifest in demographic:
            for field in manifest["demographic_fields"]:
                self.assertGreater(len(field["justification"]), 40)
                self.assertIn(field["field"], manifest["inputs"][0]["columns"])
        for manifest in audited:
            folder = self.repo / "Products" / manifest["id"]
            self.assertTrue(manifest["audit"]["file"].startswith("audit/"))
            with open(folder / manifest["audit"]["file"], newline="") as handle:
                header = next(csv.reader(handle))
            self.assertIn(manifest["audit"]["key"], header)
            self.assertLessEqual(set(manifest["audit"]["attributes"]), set(header))
            self.assertIn(manifest["audit"]["output"], [output["name"] for output in manifest["outputs"]])

    def run_product(self, product, manifest, into):
        folder = self.repo / "Products" / product
        inputs, outputs = Path(into) / "input", Path(into) / "output"
        inputs.mkdir()
        outputs.mkdir()
        for item in manifest["inputs"]:
            with open(folder / item["sample"], newline="") as source, open(inputs / item["name"], "w", newline="") as target:
                reader = csv.DictReader(source)
                writer = csv.DictWriter(target, item["columns"], extrasaction="ignore", lineterminator="\n")
                writer.writeheader()
                writer.writerows(reader)
        environment = {"PATH": os.environ["PATH"], "REGISTRY_INPUT": str(inputs), "REGISTRY_OUTPUT": str(outputs)}
        subprocess.run(manifest["run"]["command"], cwd=folder, env=environment, check=True)
        return {path.name: path.read_bytes() for path in outputs.iterdir()}

    def test_entry_points_write_declared_outputs_reproducibly_with_small_cells_suppressed(self):
        commands = set()
        for product, manifest in self.manifests.items():
            commands.add(manifest["run"]["command"][0])
            with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
                outputs = self.run_product(product, manifest, first)
                self.assertEqual(outputs, self.run_product(product, manifest, second), product)
            self.assertEqual(set(outputs), {output["name"] for output in manifest["outputs"]}, product)
            for output in manifest["outputs"]:
                rows = list(csv.reader(outputs[output["name"]].decode().splitlines()))
                self.assertEqual(rows[0], [column["name"] for column in output["columns"]], product)
                if output["level"] == "aggregate":
                    counts = [row[rows[0].index(output["count_column"])] for row in rows[1:]]
                    self.assertTrue(all(count == "" or int(count) >= 11 for count in counts), product)
                    self.assertTrue(any(count != "" for count in counts), f"{product}: every cell suppressed")
        self.assertEqual(commands, {"python3", "sh"})

    def test_statements_are_canonical_and_cover_every_newest_version(self):
        keyring = (self.repo / "Reviews/board/keyring.v0001").read_text()
        demographic_threshold = int(re.search(r"threshold-approval-demographic: (\d+)", keyring).group(1))
        for product, manifest in self.manifests.items():
            folder = self.repo / "Reviews" / product / manifest["version"]
            statements = sorted(folder.glob("*.approval"))
            self.assertGreaterEqual(len(statements), demographic_threshold, product)
            owners = set(manifest["owner"]["board_members"])
            for path in statements:
                data = path.read_bytes()
                self.assertTrue(data.endswith(b"\n") and b"\r" not in data)
                fields = [line.split(": ", 1) if ": " in line else [line.rstrip(":"), ""]
                          for line in data.decode().splitlines()]
                self.assertEqual([key for key, _ in fields], STATEMENT_KEYS)
                values = dict(fields)
                self.assertEqual(values["reviewer"], path.stem)
                self.assertNotIn(path.stem, owners)
                self.assertEqual(values["demographic-fields"],
                                 ",".join(sorted(f["field"] for f in manifest["demographic_fields"])))
                self.assertRegex(values["issued"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
                self.assertTrue((path.parent / (path.name + ".sig")).exists())

    def test_stock_tools_verify_signatures_trees_and_digests(self):
        result = subprocess.run([str(CHECKER), str(self.repo), "100"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_stock_tools_reject_a_tampered_statement(self):
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / "copy"
            subprocess.run(["git", "clone", "-q", str(self.repo), str(copy)], check=True)
            statement = sorted(copy.glob("Reviews/*/*/*.approval"))[0]
            statement.write_text(statement.read_text().replace("type: approval", "type: rejection"))
            result = subprocess.run([str(CHECKER), str(copy), "1000"], capture_output=True, text=True)
            self.assertEqual(result.returncode, 1)
            self.assertIn("signature does not verify", result.stderr)

    def test_history_holds_every_version_and_the_repository_is_well_formed(self):
        product = next(iter(self.manifests))
        log = git(self.repo, "log", "--format=%s", "--", f"Products/{product}").splitlines()
        self.assertEqual(len(log), 4)
        self.assertTrue(log[-1].startswith(f"Register {product} 1.0.0"))
        labels = [git(self.repo, "show", f"{commit}:Products/{product}/product.yaml").split('version: "')[1].split('"')[0]
                  for commit in git(self.repo, "log", "--format=%H", "--", f"Products/{product}").splitlines()]
        self.assertEqual(len(set(labels)), 4)
        self.assertEqual(git(self.repo, "status", "--porcelain"), "")
        self.assertEqual((self.repo / ".gitignore").read_text(), ".registry/\n")
        self.assertEqual((self.repo / ".gitattributes").read_text(), "Reviews/** -text\n")
        subprocess.run(["git", "-C", str(self.repo), "fsck", "--no-dangling", "--no-progress"], check=True,
                       capture_output=True)

    def test_allegations_use_the_declared_columns_and_vocabulary(self):
        with open(self.repo / "Data/allegations.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        self.assertEqual(len(rows), 300)
        self.assertEqual(list(rows[0]), ["id", "date_received", "responding_service", "basis", "action_type",
                                         "status", "finding", "product_ids"])
        in_use = {product for product, manifest in self.manifests.items() if manifest["status"] == "in-use"}
        for row in rows:
            self.assertLessEqual(set(row["basis"].split(";")), BASES)
            self.assertLessEqual(set(filter(None, row["product_ids"].split(";"))), in_use)
        self.assertEqual(len({row["id"] for row in rows}), 300)


class ReproducibilityTests(unittest.TestCase):
    def test_same_seed_same_commits_other_seed_other_commits(self):
        with tempfile.TemporaryDirectory() as scratch:
            heads = []
            for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
                generate(Path(scratch) / name, "--products", "5", "--versions", "2", "--allegations", "20",
                         "--seed", seed)
                heads.append(git(Path(scratch) / name, "rev-parse", "HEAD"))
            self.assertEqual(heads[0], heads[1])
            self.assertNotEqual(heads[0], heads[2])

    def test_board_of_fifteen_plus_generated_keys_and_demographic_quorum(self):
        with tempfile.TemporaryDirectory() as scratch:
            repo = Path(scratch) / "big-board"
            generate(repo, "--products", "4", "--versions", "1", "--board-size", "17", "--approvals", "9",
                     "--demographic-share", "1", "--allegations", "5")
            keyring = (repo / "Reviews/board/keyring.v0001").read_text()
            self.assertEqual(keyring.count("\nmember: "), 17)
            self.assertIn("threshold-approval-demographic: 9\n", keyring)
            self.assertEqual(len(list(repo.glob("Reviews/*/1.0.0/*.approval"))), 4 * 9)
            result = subprocess.run([str(CHECKER), str(repo), "100"], capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)

    def test_refuses_a_folder_that_is_not_empty(self):
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "keep.txt").write_text("x")
            result = subprocess.run([sys.executable, str(GENERATOR), scratch, "--products", "1", "--versions", "1"],
                                    capture_output=True, text=True)
            self.assertNotEqual(result.returncode, 0)
            self.assertIn("not empty", result.stderr)


if __name__ == "__main__":
    unittest.main()
