//! supervisord's XML-RPC faults ([RPC-FAULT-*], [RPC-CALL-faulttext]).

use event_proto::xmlrpc::MethodResponse;

/// A fault, with optional detail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Fault {
    UnknownMethod,
    IncorrectParameters(String),
    BadArguments,
    SignatureUnsupported,
    ShutdownState,
    BadName(String),
    BadSignal(String),
    NoFile(String),
    NotExecutable(String),
    Failed(String),
    AbnormalTermination(String),
    SpawnError(String),
    AlreadyStarted(String),
    NotRunning(String),
    AlreadyAdded(String),
    StillRunning(String),
    CantReread(String),
}

impl Fault {
    /// `UNKNOWN_METHOD`'s code.
    pub const UNKNOWN_METHOD: i64 = 1;
    /// `INCORRECT_PARAMETERS`'s code.
    pub const INCORRECT_PARAMETERS: i64 = 2;
    /// `BAD_ARGUMENTS`'s code.
    pub const BAD_ARGUMENTS: i64 = 3;
    /// `SIGNATURE_UNSUPPORTED`'s code.
    pub const SIGNATURE_UNSUPPORTED: i64 = 4;
    /// `SHUTDOWN_STATE`'s code.
    pub const SHUTDOWN_STATE: i64 = 6;
    /// `BAD_NAME`'s code.
    pub const BAD_NAME: i64 = 10;
    /// `BAD_SIGNAL`'s code.
    pub const BAD_SIGNAL: i64 = 11;
    /// `NO_FILE`'s code.
    pub const NO_FILE: i64 = 20;
    /// `NOT_EXECUTABLE`'s code.
    pub const NOT_EXECUTABLE: i64 = 21;
    /// `FAILED`'s code.
    pub const FAILED: i64 = 30;
    /// `ABNORMAL_TERMINATION`'s code.
    pub const ABNORMAL_TERMINATION: i64 = 40;
    /// `SPAWN_ERROR`'s code.
    pub const SPAWN_ERROR: i64 = 50;
    /// `ALREADY_STARTED`'s code.
    pub const ALREADY_STARTED: i64 = 60;
    /// `NOT_RUNNING`'s code.
    pub const NOT_RUNNING: i64 = 70;
    /// `SUCCESS` (80): not a fault, the `status` of a successful entry in the result arrays of
    /// the multi-process methods (`startAllProcesses`, `stopProcessGroup`...).
    pub const SUCCESS: i64 = 80;
    /// `ALREADY_ADDED`'s code.
    pub const ALREADY_ADDED: i64 = 90;
    /// `STILL_RUNNING`'s code.
    pub const STILL_RUNNING: i64 = 91;
    /// `CANT_REREAD`'s code.
    pub const CANT_REREAD: i64 = 92;

    /// The fault code.
    pub fn code(&self) -> i64 {
        match self {
            Fault::UnknownMethod => Fault::UNKNOWN_METHOD,
            Fault::IncorrectParameters(_) => Fault::INCORRECT_PARAMETERS,
            Fault::BadArguments => Fault::BAD_ARGUMENTS,
            Fault::SignatureUnsupported => Fault::SIGNATURE_UNSUPPORTED,
            Fault::ShutdownState => Fault::SHUTDOWN_STATE,
            Fault::BadName(_) => Fault::BAD_NAME,
            Fault::BadSignal(_) => Fault::BAD_SIGNAL,
            Fault::NoFile(_) => Fault::NO_FILE,
            Fault::NotExecutable(_) => Fault::NOT_EXECUTABLE,
            Fault::Failed(_) => Fault::FAILED,
            Fault::AbnormalTermination(_) => Fault::ABNORMAL_TERMINATION,
            Fault::SpawnError(_) => Fault::SPAWN_ERROR,
            Fault::AlreadyStarted(_) => Fault::ALREADY_STARTED,
            Fault::NotRunning(_) => Fault::NOT_RUNNING,
            Fault::AlreadyAdded(_) => Fault::ALREADY_ADDED,
            Fault::StillRunning(_) => Fault::STILL_RUNNING,
            Fault::CantReread(_) => Fault::CANT_REREAD,
        }
    }

    /// `NAME` or `NAME: detail`.
    pub fn text(&self) -> String {
        let (name, detail) = match self {
            Fault::UnknownMethod => ("UNKNOWN_METHOD", ""),
            Fault::IncorrectParameters(d) => ("INCORRECT_PARAMETERS", d.as_str()),
            Fault::BadArguments => ("BAD_ARGUMENTS", ""),
            Fault::SignatureUnsupported => ("SIGNATURE_UNSUPPORTED", ""),
            Fault::ShutdownState => ("SHUTDOWN_STATE", ""),
            Fault::BadName(d) => ("BAD_NAME", d.as_str()),
            Fault::BadSignal(d) => ("BAD_SIGNAL", d.as_str()),
            Fault::NoFile(d) => ("NO_FILE", d.as_str()),
            Fault::NotExecutable(d) => ("NOT_EXECUTABLE", d.as_str()),
            Fault::Failed(d) => ("FAILED", d.as_str()),
            Fault::AbnormalTermination(d) => ("ABNORMAL_TERMINATION", d.as_str()),
            Fault::SpawnError(d) => ("SPAWN_ERROR", d.as_str()),
            Fault::AlreadyStarted(d) => ("ALREADY_STARTED", d.as_str()),
            Fault::NotRunning(d) => ("NOT_RUNNING", d.as_str()),
            Fault::AlreadyAdded(d) => ("ALREADY_ADDED", d.as_str()),
            Fault::StillRunning(d) => ("STILL_RUNNING", d.as_str()),
            Fault::CantReread(d) => ("CANT_REREAD", d.as_str()),
        };
        if detail.is_empty() {
            name.to_owned()
        } else {
            format!("{name}: {detail}")
        }
    }

    /// As a response.
    pub fn response(&self) -> MethodResponse {
        MethodResponse::Fault {
            code: self.code(),
            string: self.text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_rpc_call_faulttext() {
        assert_eq!(Fault::BadName("nosuch".into()).text(), "BAD_NAME: nosuch");
        assert_eq!(Fault::NoFile(String::new()).text(), "NO_FILE");
        assert_eq!(Fault::UnknownMethod.code(), 1);
        assert_eq!(Fault::CantReread("x".into()).code(), 92);
        // The codes supervisor.xmlrpc.Faults gives them in 4.3.
        assert_eq!(Fault::ShutdownState.code(), 6);
        assert_eq!(Fault::BadName(String::new()).code(), 10);
        assert_eq!(Fault::NotRunning(String::new()).code(), 70);
        assert_eq!(Fault::StillRunning(String::new()).code(), 91);
        assert_eq!(Fault::SUCCESS, 80);
    }
}
