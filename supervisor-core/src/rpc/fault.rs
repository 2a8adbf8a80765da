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
    /// The fault code.
    pub fn code(&self) -> i64 {
        match self {
            Fault::UnknownMethod => 1,
            Fault::IncorrectParameters(_) => 2,
            Fault::BadArguments => 3,
            Fault::SignatureUnsupported => 4,
            Fault::ShutdownState => 6,
            Fault::BadName(_) => 10,
            Fault::BadSignal(_) => 11,
            Fault::NoFile(_) => 20,
            Fault::NotExecutable(_) => 21,
            Fault::Failed(_) => 30,
            Fault::AbnormalTermination(_) => 40,
            Fault::SpawnError(_) => 50,
            Fault::AlreadyStarted(_) => 60,
            Fault::NotRunning(_) => 70,
            Fault::AlreadyAdded(_) => 90,
            Fault::StillRunning(_) => 91,
            Fault::CantReread(_) => 92,
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
    }
}
