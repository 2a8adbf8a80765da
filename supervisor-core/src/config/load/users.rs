//! `user=` and `*_owner`/`chown=` values: names or ids resolved to uid and gids.

use crate::model::RunAs;

pub(super) fn user_group(v: &str) -> Result<(u32, Option<u32>), String> {
    let (user, group) = v.split_once(':').map_or((v, None), |(u, g)| (u, Some(g)));
    let u = run_as(user)?;
    let gid = match group {
        // No group: the socket's group is left as it is (4.3 passes -1 to chown).
        None => None,
        Some(g) => Some(match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => nix::unistd::Group::from_name(g)
                .ok()
                .flatten()
                .map(|g| g.gid.as_raw())
                .ok_or_else(|| format!("Invalid group name {g}"))?,
        }),
    };
    Ok((u.uid, gid))
}

/// Resolves `user=` to uid, gid and supplementary groups ([CFG-TYPE-user]).
pub(super) fn run_as(v: &str) -> Result<RunAs, String> {
    let v = v.trim();
    let user = match v.parse::<u32>() {
        Ok(uid) => nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
            .ok()
            .flatten()
            .ok_or_else(|| format!("Invalid user id {v}"))?,
        Err(_) => nix::unistd::User::from_name(v)
            .ok()
            .flatten()
            .ok_or_else(|| format!("Invalid user name {v}"))?,
    };
    let name =
        std::ffi::CString::new(user.name.clone()).map_err(|_| format!("Invalid user name {v}"))?;
    let groups = nix::unistd::getgrouplist(&name, user.gid)
        .map(|g| g.into_iter().map(|g| g.as_raw()).collect())
        .unwrap_or_else(|_| vec![user.gid.as_raw()]);
    Ok(RunAs {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
        groups,
    })
}
