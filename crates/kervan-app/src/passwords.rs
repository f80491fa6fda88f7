//! Argon2id hashing and checking with bounded memory.
//!
//! Each Argon2 run needs 19 MiB of working memory (the OWASP minimum). Unbounded, fifty
//! simultaneous wrong-password posts took a server from 79 MB to 884 MB, and the allocator kept
//! most of it afterwards. Here a small number of runs go at once (a semaphore), each on a block
//! of memory taken from a pool and given back, so the process never holds more than
//! `permits × 19 MiB` for passwords and the figure does not creep up. Requests beyond the queue
//! are refused with `Busy` (the web layer answers 503 with `Retry-After`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use tokio::sync::Semaphore;

use crate::error::{AppError, Result};

/// Largest Argon2 memory cost accepted from a stored hash (KiB): ours use 19 MiB; a hash that asks
/// for more than this is not one of ours and is treated as not matching.
const MAX_M_COST: u32 = 64 * 1024;

/// The shared limiter and memory pool. One per [`crate::App`].
#[derive(Debug)]
pub struct PasswordWork {
    permits: Semaphore,
    pool: Mutex<Vec<Vec<Block>>>,
    /// Runs going on plus runs waiting for a permit.
    in_flight: AtomicUsize,
    /// `parallel + max_waiting`: beyond it a request is refused at once.
    room: usize,
    max_wait: Duration,
}

impl PasswordWork {
    /// `parallel` runs at once (at least 1); at most `max_waiting` more wait, each up to `max_wait`.
    pub fn new(parallel: usize, max_waiting: usize, max_wait: Duration) -> PasswordWork {
        PasswordWork {
            permits: Semaphore::new(parallel.max(1)),
            pool: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            room: parallel.max(1) + max_waiting,
            max_wait,
        }
    }

    /// Runs `f` with a memory block of at least `blocks` blocks, inside the concurrency bound.
    async fn run<T: Send + 'static>(
        &self,
        blocks: usize,
        f: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T> {
        let _slot = Slot::take(&self.in_flight, self.room).ok_or(AppError::Busy { retry_after_secs: 5 })?;
        let Ok(Ok(_permit)) = tokio::time::timeout(self.max_wait, self.permits.acquire()).await else {
            return Err(AppError::Busy { retry_after_secs: 5 });
        };
        let mut mem = self.take(blocks);
        let (out, mem) = tokio::task::spawn_blocking(move || {
            let out = f(&mut mem[..blocks]);
            (out, mem)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        self.give_back(mem);
        Ok(out)
    }

    fn take(&self, blocks: usize) -> Vec<Block> {
        let reused = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.iter().position(|m| m.len() >= blocks).map(|i| p.swap_remove(i)));
        reused.unwrap_or_else(|| vec![Block::default(); blocks])
    }

    fn give_back(&self, mem: Vec<Block>) {
        // Only blocks of the standard size are kept: they are what every check needs.
        if mem.len() == Params::DEFAULT.block_count()
            && let Ok(mut p) = self.pool.lock()
        {
            p.push(mem);
        }
    }
}

/// A place in the queue, given back when dropped (also when the request is cancelled).
struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    fn take(counter: &'a AtomicUsize, room: usize) -> Option<Slot<'a>> {
        if counter.fetch_add(1, Ordering::SeqCst) >= room {
            counter.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(counter))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Hashes a new password (PHC string, Argon2id, default parameters).
pub async fn hash(work: &PasswordWork, password: &str) -> Result<String> {
    let password = password.to_string();
    let params = Params::DEFAULT;
    let blocks = params.block_count();
    work.run(blocks, move |mem| {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        argon
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, mem)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| AppError::Internal(e.to_string()))?,
            salt: Some(Salt::new(&salt).map_err(|e| AppError::Internal(e.to_string()))?),
            hash: Some(Output::new(&out).map_err(|e| AppError::Internal(e.to_string()))?),
        };
        Ok(phc.to_string())
    })
    .await?
}

/// Whether `password` matches the stored PHC `hash`. A malformed hash never matches.
pub async fn verify(work: &PasswordWork, password: &str, hash: &str) -> Result<bool> {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return Ok(false);
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return Ok(false);
    };
    if params.m_cost() > MAX_M_COST {
        return Ok(false);
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let Ok(algorithm) = parsed.algorithm.as_str().parse::<Algorithm>() else {
        return Ok(false);
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return Ok(false),
    };
    let password = password.to_string();
    let blocks = params.block_count();
    work.run(blocks, move |mem| {
        let argon = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        if argon
            .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, mem)
            .is_err()
        {
            return false;
        }
        // `Output`'s equality is constant-time.
        Output::new(&out).is_ok_and(|o| o == expected)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    fn work() -> PasswordWork {
        PasswordWork::new(2, 8, Duration::from_secs(30))
    }

    #[tokio::test]
    async fn hashes_verify_here_and_with_the_crate() {
        let w = &work();
        let h = hash(w, "doğru-parola-123").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(w, "doğru-parola-123", &h).await.unwrap());
        assert!(!verify(w, "yanlış-parola-123", &h).await.unwrap());
        // The crate's own verifier agrees, so hashes made before this module still work.
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"do\xc4\x9fru-parola-123", &parsed)
                .is_ok()
        );
        let old = argon2::password_hash::PasswordHasher::hash_password_with_salt(
            &Argon2::default(),
            b"eski-parola-123",
            b"sixteen-byte-slt",
        )
        .unwrap()
        .to_string();
        assert!(verify(w, "eski-parola-123", &old).await.unwrap());
        assert!(!verify(w, "x", "not a hash").await.unwrap());
        assert!(
            !verify(
                w,
                "x",
                "$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
            )
            .await
            .unwrap()
        );
    }

    #[tokio::test]
    async fn memory_is_reused_and_the_queue_is_bounded() {
        let w = std::sync::Arc::new(PasswordWork::new(1, 2, Duration::from_secs(30)));
        let h = hash(&w, "parola-parola").await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let (h, w) = (h.clone(), w.clone());
            tasks.push(tokio::spawn(async move { verify(&w, "yanlış", &h).await }));
        }
        let mut busy = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(ok) => assert!(!ok),
                Err(AppError::Busy { .. }) => busy += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(busy >= 1, "a full queue refuses");
        assert!(w.pool.lock().unwrap().len() <= 1, "one block per permit is kept");
    }
}
