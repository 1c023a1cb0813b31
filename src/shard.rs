//! Pure: which share of an archive one task of a job array ingests.
//!
//! A shard `I/N` owns the walked entries whose path relative to the folder
//! given on the command line hashes to `I` modulo `N`. The hash is of that
//! relative path only, so every machine that lists the folder (wherever it
//! mounts it, in whatever order its file system lists it) gives each entry
//! to the same shard, every entry to exactly one, and a multi-page file or
//! a folder of page files (one entry) stays whole.

use sha2::{Digest, Sha256};

/// One share of `count`: `index` in `0..count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// Slurm's job array: this task's id, the lowest id of the array, and
/// how many tasks it has (`sbatch --array=0-2` or `--array=1-3`).
pub const SLURM_TASK_ID: &str = "SLURM_ARRAY_TASK_ID";
pub const SLURM_TASK_MIN: &str = "SLURM_ARRAY_TASK_MIN";
pub const SLURM_TASK_COUNT: &str = "SLURM_ARRAY_TASK_COUNT";
/// Kubernetes' Indexed Job: the pod's completion index. The count is not
/// given to pods by Kubernetes; the Job sets it in [`SHARD_COUNT`] (the
/// same number as its `completions`).
pub const K8S_INDEX: &str = "JOB_COMPLETION_INDEX";
pub const SHARD_COUNT: &str = "CHARTMILL_SHARD_COUNT";

impl Shard {
    /// Parses `I/N` (`0 <= I < N`).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("shard '{s}' is not INDEX/COUNT with 0 <= INDEX < COUNT (for example 0/3)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The shard of this task, from the scheduler's environment (`var`
    /// looks a variable up): a Slurm array task, else a Kubernetes Indexed
    /// Job's pod.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let number = |name: &str| -> Result<Option<u32>, String> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| format!("{name}='{v}' is not a whole number")),
            }
        };
        if let Some(id) = number(SLURM_TASK_ID)? {
            let count = number(SLURM_TASK_COUNT)?
                .ok_or_else(|| format!("{SLURM_TASK_ID} is set but {SLURM_TASK_COUNT} is not"))?;
            let min = number(SLURM_TASK_MIN)?.unwrap_or(0);
            let index =
                id.checked_sub(min).ok_or_else(|| format!("{SLURM_TASK_ID} {id} is under {SLURM_TASK_MIN} {min}"))?;
            return Shard::parse(&format!("{index}/{count}")).map_err(|e| {
                format!("{e}; from {SLURM_TASK_ID}, {SLURM_TASK_MIN} and {SLURM_TASK_COUNT}: an array with gaps cannot be sharded")
            });
        }
        if let Some(index) = number(K8S_INDEX)? {
            let count = number(SHARD_COUNT)?.ok_or_else(|| {
                format!("{K8S_INDEX} is set but {SHARD_COUNT} is not (set it to the Job's completions)")
            })?;
            return Shard::parse(&format!("{index}/{count}"));
        }
        Err(format!(
            "--shard-from-env: neither {SLURM_TASK_ID} (a Slurm job array) nor {K8S_INDEX} (a Kubernetes Indexed Job) is set"
        ))
    }

    /// Whether the entry at `relative` (its path under the folder given on
    /// the command line) is this shard's.
    pub fn owns(&self, relative: &str) -> bool {
        let digest = Sha256::digest(relative.as_bytes());
        let head = u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 has 8 bytes"));
        head % self.count as u64 == self.index as u64
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn every_entry_lands_in_exactly_one_shard_and_the_shares_are_even() {
        let paths: Vec<String> = (0..3000).map(|i| format!("box-{}/chart-{i:05}.tif", i % 17)).collect();
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        let mut sizes = [0usize; 3];
        for p in &paths {
            let owners: Vec<usize> = (0..3).filter(|&i| shards[i].owns(p)).collect();
            assert_eq!(owners.len(), 1, "{p}");
            sizes[owners[0]] += 1;
        }
        assert!(sizes.iter().all(|&n| (900..1100).contains(&n)), "{sizes:?}");
        // The same path, the same shard, always: the hash is fixed, not std's.
        assert!(Shard { index: 1, count: 3 }.owns("tiff/chart-001.tif"));
        assert!(Shard { index: 0, count: 1 }.owns("anything"));
    }

    #[test]
    fn shards_are_parsed_and_checked() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        for bad in ["3/3", "0/0", "1", "a/3", "-1/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shard_comes_from_slurm_or_kubernetes() {
        let env = |pairs: &[(&str, &str)]| {
            let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            move |k: &str| m.get(k).cloned()
        };
        let slurm = env(&[(SLURM_TASK_ID, "3"), (SLURM_TASK_MIN, "1"), (SLURM_TASK_COUNT, "3")]);
        assert_eq!(Shard::from_env(slurm), Ok(Shard { index: 2, count: 3 }));
        let slurm0 = env(&[(SLURM_TASK_ID, "0"), (SLURM_TASK_COUNT, "2")]);
        assert_eq!(Shard::from_env(slurm0), Ok(Shard { index: 0, count: 2 }));
        let k8s = env(&[(K8S_INDEX, "4"), (SHARD_COUNT, "5")]);
        assert_eq!(Shard::from_env(k8s), Ok(Shard { index: 4, count: 5 }));
        assert!(Shard::from_env(env(&[(K8S_INDEX, "4")])).unwrap_err().contains(SHARD_COUNT));
        assert!(Shard::from_env(env(&[])).unwrap_err().contains("neither"));
        // An array with gaps (--array=0,5) cannot be cut into equal shares.
        let gaps = env(&[(SLURM_TASK_ID, "5"), (SLURM_TASK_MIN, "0"), (SLURM_TASK_COUNT, "2")]);
        assert!(Shard::from_env(gaps).is_err());
        assert!(Shard::from_env(env(&[(SLURM_TASK_ID, "x"), (SLURM_TASK_COUNT, "2")])).is_err());
    }
}
