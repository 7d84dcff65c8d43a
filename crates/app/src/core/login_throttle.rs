//! Login throttling. Every attempt is counted *before* its password is checked, in one
//! atomic upsert per key, so parallel attempts cannot all pass a check made before any of
//! them failed. Three keys: the account at this client address (locks quickly, and locks
//! only this address out), the account from anywhere (a higher limit against distributed
//! guessing) and the client address for any account (against password spraying). Keys are
//! the username as typed, so a name that does not exist is throttled exactly like one that
//! does: the answers cannot tell them apart.

use crate::core::db::{stmt, Tx};
use crate::core::error::Result;
use crate::AuthPolicy;

/// The keys an attempt counts against, with their limits.
fn keys(policy: &AuthPolicy, username: &str, ip: Option<&str>) -> Vec<(String, i64)> {
    let ip = ip.unwrap_or("-");
    vec![
        (format!("pair:{username}@{ip}"), policy.max_failed_logins),
        (format!("account:{username}"), policy.max_failed_logins_account),
        (format!("address:{ip}"), policy.max_failed_logins_address),
    ]
}

/// Counts one attempt on `key`; the failures in the current window and when it started.
async fn count(tx: &mut Tx, key: &str, now: i64, window_ms: i64) -> Result<(i64, i64)> {
    let row = tx
        .fetch_one(
            &stmt("INSERT INTO login_throttle (throttle_key, failures, window_start) VALUES ($1, 1, $2) \
                ON CONFLICT (throttle_key) DO UPDATE SET \
                failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END, \
                window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END \
                RETURNING failures, window_start")
            .bind(key)
            .bind(now)
            .bind(now - window_ms),
        )
        .await?;
    Ok((row.i64("failures")?, row.i64("window_start")?))
}

/// Counts an attempt on every key; `Some(until)` when one of them is past its limit (the
/// attempt must then be refused without checking the password).
pub(crate) async fn count_attempt(
    tx: &mut Tx,
    policy: &AuthPolicy,
    now: i64,
    username: &str,
    ip: Option<&str>,
) -> Result<Option<i64>> {
    let window = policy.lockout_minutes * 60_000;
    let mut locked_until: Option<i64> = None;
    for (key, limit) in keys(policy, username, ip) {
        let (failures, start) = count(tx, &key, now, window).await?;
        if failures > limit {
            let until = start + window;
            locked_until = Some(locked_until.map_or(until, |u| u.max(until)));
        }
    }
    Ok(locked_until)
}

/// After a successful login: the account's counters start again, and this attempt no
/// longer counts against the address.
pub(crate) async fn succeeded(tx: &mut Tx, policy: &AuthPolicy, username: &str, ip: Option<&str>) -> Result<()> {
    let keys = keys(policy, username, ip);
    for (key, _) in &keys[..2] {
        tx.execute(&stmt("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key))
            .await?;
    }
    tx.execute(
        &stmt("UPDATE login_throttle SET failures = failures - 1 WHERE throttle_key = $1 AND failures > 0")
            .bind(&keys[2].0),
    )
    .await?;
    Ok(())
}

/// Counts a check of a signed-in user's current password (changing it); `Some(until)`
/// when too many have failed.
pub(crate) async fn count_password_check(
    tx: &mut Tx,
    policy: &AuthPolicy,
    now: i64,
    user_id: i64,
) -> Result<Option<i64>> {
    let window = policy.lockout_minutes * 60_000;
    let (failures, start) = count(tx, &format!("password:{user_id}"), now, window).await?;
    Ok((failures > policy.max_failed_logins).then_some(start + window))
}

/// The current-password check passed.
pub(crate) async fn password_check_passed(tx: &mut Tx, user_id: i64) -> Result<()> {
    tx.execute(&stmt("DELETE FROM login_throttle WHERE throttle_key = $1").bind(format!("password:{user_id}")))
        .await?;
    Ok(())
}
