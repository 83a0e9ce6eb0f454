//! How much of the browser's storage the app uses and how much is left, as the session bar
//! shows it (plain data; main thread).

/// A reading of `navigator.storage.estimate()` and `persisted()`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StorageUse {
    /// Bytes this origin stores (stems on disk, originals, the session), ≥ 0.
    pub used_bytes: f64,
    /// Bytes the browser lets this origin store in all, ≥ 0.
    pub quota_bytes: f64,
    /// Whether the browser agreed to keep the storage under pressure (`persist()`); when not,
    /// it may clear it to free space.
    pub persisted: bool,
}

/// Below this much free space the bar warns (a 4-minute stereo stem takes about 90 MB).
pub const LOW_FREE_BYTES: f64 = 2e9;

impl StorageUse {
    /// Bytes still free, ≥ 0.
    pub fn free_bytes(&self) -> f64 {
        (self.quota_bytes - self.used_bytes).max(0.0)
    }

    /// Whether free space is short: under [`LOW_FREE_BYTES`] or a tenth of the quota.
    pub fn is_low(&self) -> bool {
        let free = self.free_bytes();
        free < LOW_FREE_BYTES || free < self.quota_bytes * 0.1
    }

    /// "1.2 GB used · 79 GB free".
    pub fn summary(&self) -> String {
        format!(
            "{} used · {} free",
            bytes_text(self.used_bytes),
            bytes_text(self.free_bytes())
        )
    }

    /// What the browser promises about keeping it.
    pub fn keeping(&self) -> &'static str {
        if self.persisted {
            "Kept by the browser"
        } else {
            "The browser may clear it when the disk runs short: download a session bundle to keep a copy"
        }
    }
}

/// A byte count as people read it (decimal units, as disks are sold): "0 B", "830 KB",
/// "94 MB", "1.2 GB", "12 GB".
pub fn bytes_text(bytes: f64) -> String {
    let b = if bytes.is_finite() {
        bytes.max(0.0)
    } else {
        0.0
    };
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)];
    for (unit, size) in UNITS {
        if b >= size {
            let v = b / size;
            return if v < 10.0 {
                format!("{:.1} {unit}", (v * 10.0).floor() / 10.0)
            } else {
                format!("{} {unit}", v.floor())
            };
        }
    }
    format!("{} B", b.floor())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_as_people_say_them() {
        assert_eq!(bytes_text(0.0), "0 B");
        assert_eq!(bytes_text(999.0), "999 B");
        assert_eq!(bytes_text(830_400.0), "830 KB");
        assert_eq!(bytes_text(94_371_840.0), "94 MB");
        assert_eq!(bytes_text(1_299_000_000.0), "1.2 GB");
        assert_eq!(bytes_text(12_900_000_000.0), "12 GB");
        assert_eq!(bytes_text(f64::NAN), "0 B");
        assert_eq!(bytes_text(-5.0), "0 B");
    }

    #[test]
    fn free_space_and_its_warning() {
        let u = StorageUse {
            used_bytes: 1.2e9,
            quota_bytes: 80e9,
            persisted: true,
        };
        assert_eq!(u.summary(), "1.2 GB used · 78 GB free");
        assert!(!u.is_low());
        let tight = StorageUse {
            used_bytes: 79e9,
            ..u
        };
        assert!(tight.is_low());
        let small_quota = StorageUse {
            used_bytes: 0.5e9,
            quota_bytes: 2.2e9,
            persisted: false,
        };
        assert!(small_quota.is_low());
        let over = StorageUse {
            used_bytes: 3e9,
            quota_bytes: 2e9,
            persisted: false,
        };
        assert_eq!(over.free_bytes(), 0.0);
        assert!(over.keeping().contains("may clear"));
    }
}
