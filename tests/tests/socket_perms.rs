//! The unix socket's mode and owner are as configured (issue 9, [CFG-UNIX-chmod],
//! [CFG-UNIX-chown], [CFG-TYPE-usergroup]): the same `chmod`/`chown` give the same socket
//! under both daemons; a user without a group leaves the socket's group unchanged.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::unistd::{Uid, User};
use tests::{python_reference, rust_binary, wait_until, Implementation, StopOnDrop, TempDir};

/// (mode, uid, gid) of the socket made from `chmod` and `chown`.
fn socket(which: Implementation, chmod: &str, chown: &str) -> (u32, u32, u32) {
    let dir = TempDir::new("sock").expect("temp dir");
    let d = dir.path().display();
    let conf = dir.join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[unix_http_server]\nfile={d}/s.sock\nchmod={chmod}\nchown={chown}\n\n\
             [supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\npidfile={d}/s.pid\n\
             childlogdir={d}\n\n[rpcinterface:supervisor]\n\
             supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
        ),
    )
    .expect("config");
    let program = match which {
        Implementation::Python => "supervisord".into(),
        Implementation::Rust => rust_binary("supervisord"),
    };
    let _daemon = StopOnDrop(
        Command::new(program)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn"),
    );
    let sock = dir.join("s.sock");
    wait_until(Duration::from_secs(20), "the socket", || {
        std::fs::read_to_string(dir.join("supervisord.log"))
            .is_ok_and(|l| l.contains("supervisord started with pid"))
    });
    let meta = std::fs::symlink_metadata(&sock).expect("socket exists");
    (meta.permissions().mode() & 0o7777, meta.uid(), meta.gid())
}

#[test]
fn socket_mode_and_owner_as_configured() {
    if !python_reference() {
        return;
    }
    // As root the socket can be given away; otherwise chown to ourselves.
    let owner = if Uid::effective().is_root() {
        User::from_name("nobody").ok().flatten()
    } else {
        None
    }
    .unwrap_or_else(|| {
        User::from_uid(Uid::effective())
            .ok()
            .flatten()
            .expect("current user")
    });
    let group = nix::unistd::Group::from_gid(owner.gid)
        .ok()
        .flatten()
        .expect("the user's group");
    let own_gid = nix::unistd::Gid::effective().as_raw();
    // A user alone leaves the group as it is (4.3 passes -1 to chown); user:group sets both.
    let cases = [
        ("0760", owner.name.clone(), own_gid),
        (
            "0700",
            format!("{}:{}", owner.name, group.name),
            group.gid.as_raw(),
        ),
    ];
    for (chmod, chown, gid) in cases {
        let ours = socket(Implementation::Rust, chmod, &chown);
        let reference = socket(Implementation::Python, chmod, &chown);
        assert_eq!(ours, reference, "chmod={chmod} chown={chown}: ours vs 4.3");
        let want = u32::from_str_radix(chmod, 8).expect("octal");
        assert_eq!(
            ours,
            (want, owner.uid.as_raw(), gid),
            "chmod={chmod} chown={chown}"
        );
    }
}
