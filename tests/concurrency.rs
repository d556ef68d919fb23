//! Two ctrlmap processes writing at once both succeed (WAL, busy timeout, immediate transactions),
//! and the audit chain holds afterwards.

use std::process::Command;

use crate::common::Env;

#[test]
fn two_writers_at_once_lose_nothing() {
    let env = Env::init();
    let bin = assert_cmd::cargo::cargo_bin!("ctrlmap");
    let per_writer = 20;
    let writers: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|writer| {
            let db = env.db.clone();
            let bin = bin.to_path_buf();
            std::thread::spawn(move || {
                for i in 0..per_writer {
                    let status = Command::new(&bin)
                        .args(["--db", db.to_str().expect("utf-8 path"), "--actor", writer])
                        .args(["service", "add", &format!("{writer}-svc-{i}"), "--offering", "aws.ec2"])
                        .output()
                        .expect("run ctrlmap");
                    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer thread");
    }
    assert_eq!(env.count("SELECT count(*) FROM service"), 2 * per_writer);
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE action = 'service.add'"),
        2 * per_writer
    );
    env.run(["audit", "verify"]).success();
}
