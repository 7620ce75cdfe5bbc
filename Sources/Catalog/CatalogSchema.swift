/// The JSON Schema of `catalog.json`, published in the site; `Schemas/catalog.schema.json` is the same text.
enum CatalogSchema {
    /// The schema document.
    static let text = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://analytics-registry.example/schemas/catalog.schema.json",
  "title": "Analytics Registry public catalog",
  "description": "catalog.json written by `registry catalog build`. Every record carries a stable id and schema_version. A disparity number that is absent is undefined (an empty denominator), never 0. Fields withheld from publication are absent and listed under `withheld` with their reason and salted SHA-256 commitment: sha256(salt + {\"value\":…}), checked with `registry commitment verify`.",
  "type": "object",
  "required": ["schema_version", "id", "title", "agency", "contact_email", "corrections_contact", "as_of", "minimum_cell_size", "site_url", "products",
               "removed_products"],
  "additionalProperties": false,
  "properties": {
    "schema_version": {"const": 1},
    "id": {"const": "catalog"},
    "title": {"type": "string"},
    "agency": {"type": "string"},
    "contact_email": {"type": "string"},
    "corrections_contact": {"description": "Where to report an error in a product's record.", "type": "string"},
    "as_of": {"$ref": "#/$defs/date"},
    "minimum_cell_size": {"type": "integer", "minimum": 1},
    "site_url": {"type": ["string", "null"]},
    "products": {"type": "array", "items": {"$ref": "#/$defs/product"}},
    "removed_products": {"description": "Products removed from the registry's Products/ folder, which keep a page at their old address.",
                         "type": "array", "items": {"$ref": "#/$defs/removedProduct"}}
  },
  "$defs": {
    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "sha256": {"type": "string", "pattern": "^([0-9a-f]{64})?$"},
    "text": {"type": "string"},
    "texts": {"type": "array", "items": {"type": "string"}},
    "textsByKey": {"type": "object", "additionalProperties": {"type": "string"}},
    "product": {
      "type": "object",
      "required": ["schema_version", "id", "name", "version", "status", "non_law_enforcement_response", "review_due",
                   "demographic_fields", "translations", "translation_coverage", "tree", "content_digest", "approval_state", "approvals",
                   "history", "withheld"],
      "additionalProperties": false,
      "properties": {
        "schema_version": {"const": 1},
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
        "name": {"$ref": "#/$defs/text"},
        "version": {"$ref": "#/$defs/text"},
        "status": {"enum": ["proposed", "development", "in-use", "retired"]},
        "summary": {"$ref": "#/$defs/text"},
        "purpose": {"$ref": "#/$defs/text"},
        "decision_use": {"$ref": "#/$defs/text"},
        "human_oversight": {"$ref": "#/$defs/text"},
        "non_law_enforcement_response": {"type": "boolean"},
        "format": {"description": "The manifest format the record was written in; absent when the manifest does not say.", "const": "analytics-registry-product/1"},
        "owner": {
          "type": "object", "required": ["team", "accountable_role", "contact"], "additionalProperties": false,
          "properties": {"team": {"type": "string"}, "accountable_role": {"type": "string"}, "contact": {"type": "string"}}
        },
        "objection_route": {"description": "How to object to, or appeal, a decision the product informed.", "$ref": "#/$defs/text"},
        "vendor": {
          "type": "object", "required": ["name"], "additionalProperties": false,
          "properties": {"name": {"type": "string"}, "product": {"type": "string"}, "contract": {"type": "string"}}
        },
        "legal_basis": {"$ref": "#/$defs/text"},
        "risks": {
          "type": "array",
          "items": {"type": "object", "required": ["risk", "mitigation"], "additionalProperties": false,
                    "properties": {"risk": {"type": "string"}, "mitigation": {"type": "string"}}}
        },
        "impact_assessments": {
          "type": "array",
          "items": {"type": "object", "required": ["title", "date", "link"], "additionalProperties": false,
                    "properties": {"title": {"type": "string"}, "date": {"$ref": "#/$defs/date"}, "link": {"type": "string"}}}
        },
        "review_due": {"$ref": "#/$defs/date"},
        "data_sources": {
          "type": "array",
          "items": {"type": "object", "required": ["id", "name", "origin", "steward", "fields"], "additionalProperties": false,
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                   "origin": {"enum": ["internal", "external"]}, "steward": {"type": "string"},
                                   "fields": {"$ref": "#/$defs/texts"}}}
        },
        "demographic_fields": {
          "type": "array",
          "items": {"type": "object", "required": ["field", "source", "justification"], "additionalProperties": false,
                    "properties": {"field": {"type": "string"}, "source": {"type": "string"}, "justification": {"type": "string"}}}
        },
        "inputs": {
          "type": "array",
          "items": {"type": "object", "required": ["name", "source", "columns"], "additionalProperties": false,
                    "properties": {"name": {"type": "string"}, "source": {"type": "string"}, "columns": {"$ref": "#/$defs/texts"}}}
        },
        "outputs": {
          "type": "array",
          "items": {"type": "object", "required": ["name", "format", "level", "columns", "directs_deployment"], "additionalProperties": false,
                    "properties": {"name": {"type": "string"}, "format": {"enum": ["csv", "jsonl"]},
                                   "level": {"enum": ["aggregate", "record"]}, "columns": {"$ref": "#/$defs/texts"},
                                   "directs_deployment": {"type": "boolean"}}}
        },
        "audit_attributes": {"$ref": "#/$defs/texts"},
        "translations": {
          "type": "object",
          "additionalProperties": {
            "type": "object", "additionalProperties": false,
            "properties": {"name": {"type": "string"}, "summary": {"type": "string"}, "purpose": {"type": "string"},
                           "decision_use": {"type": "string"}, "human_oversight": {"type": "string"},
                           "objection_route": {"type": "string"}, "legal_basis": {"type": "string"},
                           "risks": {"type": "array",
                                     "items": {"type": "object", "required": ["risk", "mitigation"], "additionalProperties": false,
                                               "properties": {"risk": {"type": "string"}, "mitigation": {"type": "string"}}}},
                           "data_sources": {"$ref": "#/$defs/textsByKey"}, "demographic_fields": {"$ref": "#/$defs/textsByKey"},
                           "withheld": {"$ref": "#/$defs/textsByKey"}}
          }
        },
        "link_failures": {
          "description": "Published links that failed at the last `registry links` on the machine that built the catalog.",
          "type": "array",
          "items": {"type": "object", "required": ["address", "key_path", "outcome", "checked_on", "failing_since"], "additionalProperties": false,
                    "properties": {"address": {"type": "string"}, "key_path": {"type": "string"},
                                   "outcome": {"enum": ["http-error", "timeout", "not-public", "unreachable"]},
                                   "http_status": {"type": "integer"}, "checked_on": {"$ref": "#/$defs/date"},
                                   "failing_since": {"$ref": "#/$defs/date"}}}
        },
        "translation_coverage": {
          "description": "How many of the record's published texts are translated, by language.",
          "type": "object",
          "additionalProperties": {
            "type": "object", "required": ["translated", "total"], "additionalProperties": false,
            "properties": {"translated": {"type": "integer", "minimum": 0}, "total": {"type": "integer", "minimum": 0}}
          }
        },
        "tree": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
        "content_digest": {"$ref": "#/$defs/sha256"},
        "approval_state": {"enum": ["approved", "pending", "changed", "uncommitted", "rejected", "revoked", "expired", "lapsed"]},
        "approvals": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["reviewer", "issued", "expires", "version", "content_digest", "statement_path", "signature_path"],
            "additionalProperties": false,
            "properties": {
              "reviewer": {"type": "string"}, "issued": {"type": "string"}, "expires": {"type": "string"},
              "version": {"type": "string"}, "content_digest": {"$ref": "#/$defs/sha256"},
              "statement_path": {"type": "string", "pattern": "^Reviews/"},
              "signature_path": {"type": "string", "pattern": "^Reviews/.*\\.sig$"}
            }
          }
        },
        "latest_check": {
          "type": "object",
          "required": ["passed", "commit", "commit_date", "findings", "disparity"],
          "additionalProperties": false,
          "properties": {
            "passed": {"type": "boolean"},
            "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
            "commit_date": {"type": "string"},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"}},
            "disparity": {
              "type": "array",
              "items": {
                "type": "object", "required": ["attribute", "rows", "has_labels"], "additionalProperties": false,
                "properties": {
                  "attribute": {"type": "string"},
                  "has_labels": {"type": "boolean"},
                  "reference_group": {"type": "string"},
                  "rows": {
                    "type": "array",
                    "items": {
                      "type": "object", "required": ["group", "count", "below_minimum_group_size"], "additionalProperties": false,
                      "properties": {
                        "group": {"type": "string"}, "count": {"type": "integer", "minimum": 0},
                        "selection_rate": {"type": "number"}, "wilson_lower": {"type": "number"},
                        "wilson_upper": {"type": "number"}, "ratio": {"type": "number"}, "difference": {"type": "number"},
                        "true_positive_rate": {"type": "number"}, "false_positive_rate": {"type": "number"},
                        "below_minimum_group_size": {"type": "boolean"}
                      }
                    }
                  }
                }
              }
            }
          }
        },
        "history": {
          "type": "array",
          "items": {
            "type": "object", "required": ["commit", "date", "version", "message", "changes"], "additionalProperties": false,
            "properties": {
              "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$"}, "date": {"type": "string"},
              "version": {"type": "string"}, "message": {"type": "string"},
              "changes": {
                "type": "array",
                "items": {"type": "object", "required": ["key_path", "withheld"], "additionalProperties": false,
                          "properties": {"key_path": {"type": "string"}, "before": {"type": "string"},
                                         "after": {"type": "string"}, "withheld": {"type": "boolean"}}}
              }
            }
          }
        },
        "withheld": {
          "type": "array",
          "items": {"type": "object", "required": ["field", "reason", "commitment"], "additionalProperties": false,
                    "properties": {"field": {"type": "string"}, "reason": {"type": "string"}, "commitment": {"$ref": "#/$defs/sha256"}}}
        }
      }
    },
    "removedProduct": {
      "type": "object",
      "required": ["schema_version", "id", "name", "state", "removed_commit", "removed_at", "removed_by", "last_approved_version", "page"],
      "additionalProperties": false,
      "properties": {
        "schema_version": {"const": 1},
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
        "name": {"description": "The name of its newest version.", "type": "string"},
        "state": {"const": "removed"},
        "removed_commit": {"description": "The commit that removed its folder.", "type": "string"},
        "removed_at": {"description": "That commit's date (UTC).", "type": "string"},
        "removed_by": {"description": "That commit's author.", "type": "string"},
        "last_approved_version": {"description": "The newest version a quorum of the board had approved when it was removed; null when none was.",
                                  "type": ["string", "null"]},
        "page": {"description": "Its page, relative to the site root.", "type": "string"}
      }
    },
    "finding": {
      "type": "object", "required": ["rule", "severity", "message", "location", "numbers"], "additionalProperties": false,
      "properties": {
        "rule": {"type": "string"}, "severity": {"enum": ["error", "warning", "note"]}, "message": {"type": "string"},
        "location": {
          "type": "object", "required": ["product"], "additionalProperties": false,
          "properties": {"product": {"type": "string"}, "file": {"type": "string"}, "column": {"type": "string"},
                         "row": {"type": "integer"}, "group": {"type": "string"}, "keyPath": {"type": "string"}}
        },
        "numbers": {"type": "object", "additionalProperties": {"type": "number"}}
      }
    }
  }
}
"""#
}
