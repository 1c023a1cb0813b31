//! FHIR R4 `DocumentReference` resources (following the US Core profile),
//! one per exported document, and `transaction` Bundles of them. Pure:
//! entries in, JSON out.
//!
//! A resource's id names the document's revision (`STORE-FILE-SEQ-rN`), so
//! a correction is a new resource that `replaces` the old one, and the old
//! one is sent again, same id, with status `entered-in-error`.

use crate::model::IndexEntry;
use serde::Deserialize;
use serde_json::{json, Value};

/// The code systems a site names its identifiers and local types in (the
/// configuration's `[export]` section).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Systems {
    /// `DocumentReference.identifier.system`: the documents' ids.
    pub document_system: String,
    /// `subject.identifier.system`: the MRNs' assigning authority.
    pub patient_system: String,
    /// The coding system of document types without a LOINC code.
    pub type_system: String,
}

impl Default for Systems {
    fn default() -> Systems {
        Systems {
            document_system: "urn:chartmill:document-id".into(),
            patient_system: "urn:chartmill:mrn".into(),
            type_system: "urn:chartmill:document-type".into(),
        }
    }
}

pub const US_CORE_PROFILE: &str = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference";
const CATEGORY_SYSTEM: &str = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category";
const FORMAT_SYSTEM: &str = "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode";
/// R5's `Attachment.pages`, as an R4 extension (FHIR's cross-version extensions).
pub const PAGES_EXTENSION: &str = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Attachment.pages";

/// Whether a resource stands or is withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Current,
    EnteredInError,
}

/// The resource id of a document's revision: `[A-Za-z0-9-.]{1,64}`.
pub fn resource_id(store_id: &str, entry: &IndexEntry) -> String {
    format!("{store_id}-{}-r{}", entry.document_id, entry.revision)
}

/// The `DocumentReference` of an exported document. `replaces`: the id of
/// the resource this revision replaces.
pub fn document_reference(
    entry: &IndexEntry,
    store_id: &str,
    systems: &Systems,
    standing: Standing,
    replaces: Option<&str>,
) -> Value {
    let made = crate::report::rfc3339(entry.made_at);
    let coding = match &entry.loinc {
        Some(code) => json!({"system": "http://loinc.org", "code": code, "display": entry.display}),
        None => json!({"system": systems.type_system, "code": entry.doc_type, "display": entry.display}),
    };
    let mut r = json!({
        "resourceType": "DocumentReference",
        "id": resource_id(store_id, entry),
        "meta": {"profile": [US_CORE_PROFILE]},
        "identifier": [{"system": systems.document_system, "value": entry.document_id}],
        "status": match standing { Standing::Current => "current", Standing::EnteredInError => "entered-in-error" },
        "docStatus": "final",
        "type": {"coding": [coding], "text": entry.display},
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "clinical-note", "display": "Clinical Note"}]}],
        "date": made,
    });
    if let Some(p) = &entry.patient {
        r["subject"] = json!({"type": "Patient", "identifier": {"system": systems.patient_system, "value": p.mrn}});
    }
    if let Some(start) = &entry.service_start {
        let end = entry.service_end.as_ref().unwrap_or(start);
        r["context"] = json!({"period": {"start": start, "end": end}});
    }
    let mut attachment = json!({
        "contentType": "application/pdf",
        "title": format!("{} ({})", entry.display, entry.document_id),
        "creation": made,
        "extension": [{"url": PAGES_EXTENSION, "valuePositiveInt": entry.pages.len()}],
    });
    if let Some(pdf) = &entry.pdf {
        attachment["url"] = json!(pdf.path);
        attachment["size"] = json!(pdf.size);
        attachment["hash"] = json!(pdf.sha1_base64);
    }
    r["content"] = json!([{
        "attachment": attachment,
        "format": {"system": FORMAT_SYSTEM, "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient", "display": "mimeType Sufficient"},
    }]);
    if let Some(old) = replaces {
        r["relatesTo"] = json!([{"code": "replaces", "target": {"reference": format!("DocumentReference/{old}")}}]);
    }
    r
}

/// A `transaction` Bundle that puts each resource at its id (so loading
/// it twice changes nothing).
pub fn transaction_bundle(resources: &[Value]) -> Value {
    let entries: Vec<Value> = resources
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap_or_default();
            json!({
                "fullUrl": format!("urn:uuid:{}", uuid_of(id)),
                "resource": r,
                "request": {"method": "PUT", "url": format!("DocumentReference/{id}")},
            })
        })
        .collect();
    json!({"resourceType": "Bundle", "type": "transaction", "entry": entries})
}

/// A UUID (version 4 layout) derived from `name`: the same name, the same UUID.
fn uuid_of(name: &str) -> String {
    use sha2::Digest;
    let mut b: [u8; 16] = sha2::Sha256::digest(name.as_bytes())[..16].try_into().expect("16 bytes");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::model::hex(&b);
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Patient, PdfFile};

    pub(crate) fn entry() -> IndexEntry {
        IndexEntry {
            document_id: "12-3".into(),
            revision: 2,
            status: "filed".into(),
            batch: "box-7".into(),
            source: "box-7/scan 1.tif".into(),
            pages: vec![1, 2, 4],
            doc_type: "discharge_summary".into(),
            loinc: Some("18842-5".into()),
            display: "Discharge summary".into(),
            patient: Some(Patient {
                mrn: "00482913".into(),
                family_name: "FICTIONAL".into(),
                given_name: "PATIENT".into(),
                birth_date: "1962-03-14".into(),
            }),
            service_start: Some("2019-05-01".into()),
            service_end: Some("2019-05-03".into()),
            made_at: 1_795_000_000,
            pdf: Some(PdfFile {
                path: "pdf/0000/12-3-r2_discharge_summary.pdf".into(),
                size: 1234,
                sha256: "00".repeat(32),
                sha1_base64: "2jmj7l5rSw0yVb/vlWAYkK/YBwk=".into(),
            }),
        }
    }

    #[test]
    fn a_document_reference_carries_the_us_core_elements() {
        let r = document_reference(&entry(), "a1b2c3d4e5f60718", &Systems::default(), Standing::Current, Some("x-r1"));
        assert_eq!(r["id"], "a1b2c3d4e5f60718-12-3-r2");
        assert_eq!(r["status"], "current");
        assert_eq!(r["type"]["coding"][0]["code"], "18842-5");
        assert_eq!(r["subject"]["identifier"]["value"], "00482913");
        assert_eq!(r["context"]["period"]["end"], "2019-05-03");
        assert_eq!(r["content"][0]["attachment"]["hash"], "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
        assert_eq!(r["content"][0]["attachment"]["extension"][0]["valuePositiveInt"], 3);
        assert_eq!(r["relatesTo"][0]["target"]["reference"], "DocumentReference/x-r1");
        assert_eq!(r["date"], "2026-11-18T11:06:40Z");
        let text = r.to_string();
        assert!(!text.contains("FICTIONAL"), "no names in the resource: the MRN identifies the patient");
    }

    #[test]
    fn a_local_type_is_coded_in_the_sites_system() {
        let mut e = entry();
        (e.loinc, e.doc_type, e.display) = (None, "correspondence".into(), "Letters".into());
        let r = document_reference(&e, "s", &Systems::default(), Standing::EnteredInError, None);
        assert_eq!(r["type"]["coding"][0]["system"], "urn:chartmill:document-type");
        assert_eq!(r["type"]["text"], "Letters");
        assert_eq!(r["status"], "entered-in-error");
        assert!(r.get("relatesTo").is_none());
    }

    #[test]
    fn a_bundle_puts_each_resource_at_its_id() {
        let r = document_reference(&entry(), "s", &Systems::default(), Standing::Current, None);
        let b = transaction_bundle(&[r]);
        assert_eq!(b["entry"][0]["request"]["url"], "DocumentReference/s-12-3-r2");
        let uuid = b["entry"][0]["fullUrl"].as_str().unwrap();
        assert_eq!(uuid.len(), "urn:uuid:".len() + 36);
        assert_eq!(uuid, transaction_bundle(&[b["entry"][0]["resource"].clone()])["entry"][0]["fullUrl"]);
    }
}
