//! Passwords: the policy of NIST SP 800-63B (length, a blocklist, no composition rules) and
//! Argon2id hashing off the async threads.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;
use unicode_normalization::UnicodeNormalization;

pub const MIN_CHARS: usize = 15;
/// Longer than any passphrase a person types; far longer input is refused before hashing.
pub const MAX_CHARS: usize = 256;

/// OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
});

/// Why a new password is refused, worded for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    #[error("Mật khẩu phải có ít nhất {MIN_CHARS} ký tự.")]
    TooShort,
    #[error("Mật khẩu không được dài quá {MAX_CHARS} ký tự.")]
    TooLong,
    #[error("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn một cụm từ khác.")]
    Common,
    #[error("Mật khẩu không được chứa tên đăng nhập hoặc tên phần mềm.")]
    ContainsName,
}

/// Unicode NFC, so the same Vietnamese text typed on different keyboards is the same password.
pub fn normalise(password: &str) -> String {
    password.nfc().collect()
}

/// Checks a new password against the policy.
pub fn check_new(password: &str, username: &str) -> Result<(), Weakness> {
    // Count before normalising, so a megabyte of input is refused without further work.
    if password.len() > MAX_CHARS * 4 || password.chars().count() > MAX_CHARS {
        return Err(Weakness::TooLong);
    }
    let password = normalise(password);
    if password.chars().count() < MIN_CHARS {
        return Err(Weakness::TooShort);
    }
    let folded: String = password
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let username = username.trim().to_lowercase();
    if (!username.is_empty() && folded.contains(&username)) || folded.contains("baucu") {
        return Err(Weakness::ContainsName);
    }
    if is_common(&folded) {
        return Err(Weakness::Common);
    }
    Ok(())
}

/// On the list; or a listed password (or any short chunk) repeated; or a listed password padded
/// with digits and symbols ("password12345678" is as weak as "password").
fn is_common(folded: &str) -> bool {
    if COMMON.contains(folded) {
        return true;
    }
    let chars: Vec<char> = folded.chars().collect();
    for cut in 1..chars.len() {
        let head: String = chars[..cut].iter().collect();
        let tail = &chars[cut..];
        let repeats = tail.chunks(cut).all(|chunk| chunk == &chars[..chunk.len()]);
        if repeats && cut <= chars.len() / 2 {
            return true;
        }
        let padding_only = tail.iter().all(|c| !c.is_alphabetic());
        if padding_only && cut >= 4 && COMMON.contains(head.as_str()) {
            return true;
        }
    }
    false
}

/// Hashes and verifies passwords, a bounded number at a time, off the async threads.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Verified against when the user does not exist, so that case costs the same time.
    dummy_hash: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> String {
    argon2()
        .hash_password(normalise(password).as_bytes())
        .expect("hashing with a fresh salt cannot fail")
        .to_string()
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Right, and the stored hash uses weaker parameters: store this new hash instead.
    YesRehashed(String),
}

impl Hasher {
    /// `concurrency` bounds how many hashes run at once (each takes 19 MiB and a core for ~50 ms).
    pub fn new(concurrency: usize) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(hash_now("a password no account has, for timing")),
        }
    }

    pub async fn hash(&self, password: &str) -> String {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let password = password.to_string();
        tokio::task::spawn_blocking(move || hash_now(&password))
            .await
            .expect("hashing does not panic")
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no account,
    /// so that an unknown user costs the same time as a wrong password.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Verified {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        let known = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy_hash).to_string();
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                return Verified::No;
            };
            let normalised = normalise(&password);
            // Always hash, then look at whether the account exists: skipping the dummy's hash
            // would tell an unknown name from a wrong password by the time it takes.
            let matches = argon2()
                .verify_password(normalised.as_bytes(), &parsed)
                .is_ok();
            if !(known && matches) {
                return Verified::No;
            }
            if is_weaker_than_policy(&parsed) {
                Verified::YesRehashed(hash_now(&password))
            } else {
                Verified::Yes
            }
        })
        .await
        .expect("verifying does not panic")
    }
}

fn is_weaker_than_policy(hash: &PasswordHash) -> bool {
    let algorithm_ok = hash.algorithm.as_str() == "argon2id";
    match Params::try_from(hash) {
        Ok(params) => {
            !algorithm_ok
                || params.m_cost() < MEMORY_KIB
                || params.t_cost() < PASSES
                || params.p_cost() < LANES
        }
        Err(_) => true,
    }
}

/// A random password for an account an administrator creates or resets: 20 letters and digits
/// without look-alikes, in groups of four, to be changed at first login.
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the system's random source works");
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_counted_in_characters_at_its_boundaries() {
        assert_eq!(
            check_new("sông hồng chảy!", "nam"),
            Ok(()),
            "15 characters, some of two bytes"
        );
        assert_eq!(
            check_new("sông hồng chảy", "nam"),
            Err(Weakness::TooShort),
            "14 characters"
        );
        assert_eq!(check_new(&("đ".repeat(MAX_CHARS - 1) + "x"), "nam"), Ok(()));
        assert_eq!(
            check_new(&"x".repeat(MAX_CHARS + 1), "nam"),
            Err(Weakness::TooLong)
        );
        assert_eq!(
            check_new(&"x".repeat(1 << 20), "nam"),
            Err(Weakness::TooLong)
        );
    }

    #[test]
    fn vietnamese_is_normalised_so_either_keyboard_gives_the_same_password() {
        let composed = "Hạ Long mùa nước lên";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(normalise(&decomposed), composed);
        assert_eq!(check_new(&decomposed, "nam"), Ok(()));
    }

    #[test]
    fn common_and_padded_and_repeated_passwords_are_refused() {
        for weak in [
            "123456789012345",
            "qwertyuiopasdfghjkl",
            "passwordpassword",
            "password12345678!",
            "dragondragondragon",
            "aaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabc",
            "MatKhau 2021 !!!!!",
        ] {
            assert_eq!(check_new(weak, "nam"), Err(Weakness::Common), "{weak}");
        }
        assert_eq!(check_new("ba con mèo trèo cây cau", "nam"), Ok(()));
    }

    #[test]
    fn the_username_and_product_name_are_refused() {
        assert_eq!(
            check_new("huyen.damha-2021-xyz", "huyen.damha"),
            Err(Weakness::ContainsName)
        );
        assert_eq!(
            check_new("my BauCu password!!", "nam"),
            Err(Weakness::ContainsName)
        );
    }

    #[test]
    fn one_time_passwords_pass_the_policy() {
        let password = one_time();
        assert_eq!(password.chars().count(), 24);
        assert_eq!(check_new(&password, "admin"), Ok(()));
        assert_ne!(one_time(), password);
    }

    #[tokio::test]
    async fn hashes_verify_and_weak_parameters_are_upgraded() {
        let hasher = Hasher::new(2);
        let hash = hasher.hash("ba con mèo trèo cây cau").await;
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            hasher.verify("ba con mèo trèo cây cau", Some(&hash)).await,
            Verified::Yes
        );
        assert_eq!(
            hasher.verify("ba con mèo trèo cây cao", Some(&hash)).await,
            Verified::No
        );
        assert_eq!(
            hasher.verify("ba con mèo trèo cây cau", None).await,
            Verified::No
        );

        let weak_params = Params::new(8 * 1024, 1, 1, None).unwrap();
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, weak_params)
            .hash_password(b"ba con meo treo cay cau")
            .unwrap()
            .to_string();
        match hasher.verify("ba con meo treo cay cau", Some(&weak)).await {
            Verified::YesRehashed(new) => assert!(new.contains("m=19456,t=2,p=1"), "{new}"),
            other => panic!("expected a re-hash, got {other:?}"),
        }
    }
}
