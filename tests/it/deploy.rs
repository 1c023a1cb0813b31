//! The deployment files: the Kubernetes manifests against Kubernetes' own
//! schemas (kubernetes-validate, offline, installed by scripts/setup) and
//! against each other; the Slurm scripts parse. The Slurm flow itself runs
//! on a real cluster in scripts/slurm-test.

use crate::harness::*;
use std::path::PathBuf;
use std::process::Command;

fn k8s() -> PathBuf {
    repo().join("deploy/k8s")
}

fn manifests() -> Vec<PathBuf> {
    ["volumes.yaml", "ingest-job.yaml", "merge-job.yaml"].iter().map(|f| k8s().join(f)).collect()
}

fn venv(tool: &str) -> PathBuf {
    let p = repo().join("target/k8s-venv/bin").join(tool);
    assert!(p.exists(), "{} is missing: run scripts/setup", p.display());
    p
}

fn validate(files: &[PathBuf]) -> std::process::Output {
    Command::new(venv("kubernetes-validate")).arg("--strict").args(files).output().unwrap()
}

#[test]
fn the_kubernetes_manifests_are_valid_and_agree_with_each_other() {
    let out = validate(&manifests());
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{said}");
    assert_eq!(said.matches(" passed for resource ").count(), 6, "{said}");

    // The check does reject a wrong manifest: a misspelt field, a wrong type.
    let dir = tempfile::tempdir().unwrap();
    let job = std::fs::read_to_string(k8s().join("ingest-job.yaml")).unwrap();
    for (from, to) in [("  parallelism: 10", "  paralelism: 10"), ("  completions: 10", "  completions: ten")] {
        assert!(job.contains(from), "{from}");
        let bad = dir.path().join("bad.yaml");
        std::fs::write(&bad, job.replace(from, to)).unwrap();
        let out = validate(&[bad]);
        assert!(!out.status.success(), "{to} passed the schema check");
    }

    // What the schemas cannot say: the Jobs fit together.
    let check = r#"
import sys, yaml
docs = {}
for f in sys.argv[1:]:
    for d in yaml.safe_load_all(open(f)):
        docs[(d["kind"], d["metadata"]["name"])] = d
ingest, merge = docs[("Job", "chartmill-ingest")]["spec"], docs[("Job", "chartmill-merge")]["spec"]
assert ingest["completionMode"] == "Indexed"
assert ingest["parallelism"] <= ingest["completions"]
pod = ingest["template"]["spec"]["containers"][0]
env = {e["name"]: e.get("value") for e in pod["env"]}
assert int(env["CHARTMILL_SHARD_COUNT"]) == ingest["completions"], "shard count != completions"
script = pod["args"][0]
assert "--shard-from-env" in script and "shard-${JOB_COMPLETION_INDEX}.db" in script
mounts = {m["name"]: m for m in pod["volumeMounts"]}
assert mounts["archive"].get("readOnly") is True, "the archive must be mounted read-only"
vols = {v["name"]: v for v in ingest["template"]["spec"]["volumes"]}
assert vols["archive"]["persistentVolumeClaim"]["readOnly"] is True
mvols = {v["name"]: v for v in merge["template"]["spec"]["volumes"]}
assert mvols["shards"]["persistentVolumeClaim"]["claimName"] == vols["shards"]["persistentVolumeClaim"]["claimName"]
assert "chartmill merge /shards/shard-*.db --into" in merge["template"]["spec"]["containers"][0]["args"][0]
claims = {name for (kind, name) in docs if kind == "PersistentVolumeClaim"}
for v in list(vols.values()) + list(mvols.values()):
    if "persistentVolumeClaim" in v:
        assert v["persistentVolumeClaim"]["claimName"] in claims, v
for spec in (ingest, merge):
    c = spec["template"]["spec"]["containers"][0]
    assert c["resources"]["requests"]["memory"] and c["resources"]["limits"]["memory"]
print("consistent")
"#;
    let out = Command::new(venv("python")).arg("-c").arg(check).args(manifests()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "consistent");

    // The image builds chartmill with the static Tesseract and runs unprivileged.
    let docker = std::fs::read_to_string(k8s().join("Dockerfile")).unwrap();
    assert!(docker.contains("scripts/build-tesseract") && docker.contains("cargo build --release --locked"));
    assert!(docker.contains("USER 10001"));
}

#[test]
fn the_slurm_scripts_parse() {
    for f in ["submit", "ingest-array.sbatch", "merge.sbatch"] {
        let path = repo().join("deploy/slurm").join(f);
        let out = Command::new("bash").arg("-n").arg(&path).output().unwrap();
        assert!(out.status.success(), "{f}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let array = std::fs::read_to_string(repo().join("deploy/slurm/ingest-array.sbatch")).unwrap();
    assert!(array.contains("--shard-from-env"));
    let submit = std::fs::read_to_string(repo().join("deploy/slurm/submit")).unwrap();
    assert!(submit.contains("--dependency=\"afterok:$ingest\""));
}
