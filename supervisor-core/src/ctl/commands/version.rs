//! `version`: supervisord's.

use std::io::Write;

use super::Ctl;
use crate::rpc::Method;

impl Ctl {
    /// `version`: supervisord's version.
    pub(super) fn version(&mut self, out: &mut dyn Write, args: &[&str]) {
        if !self.no_args(out, "version", args) || !self.upcheck(out, false) {
            return;
        }
        match self.call(Method::GetSupervisorVersion, Vec::new()) {
            Ok(v) => outln!(out, "{}", v.as_str().unwrap_or("")),
            Err(e) => self.generic(out, &e),
        }
    }
}
