//! The XML-RPC methods as a type: each [`Method`] knows its wire name, its signature, its help
//! text and whether it can wait. The daemon's handlers, the web page and `supervisorctl` all
//! name methods through it, and `system.listMethods`, `system.methodSignature` and
//! `system.methodHelp` report from it ([RPC-system.listMethods], [RPC-system.methodSignature],
//! [RPC-system.methodHelp]).
//!
//! ```
//! use supervisor_core::rpc::Method;
//!
//! let m = Method::parse("supervisor.startProcess").unwrap();
//! assert_eq!(m, Method::StartProcess);
//! assert_eq!(m.wire(), "supervisor.startProcess");
//! assert_eq!(m.signature(), &["boolean", "string", "boolean"][..]);
//! assert!(m.waits());
//! assert_eq!(Method::parse("supervisor.noSuchThing"), None);
//! ```

/// One published method. The order of the variants is the order `system.listMethods` returns
/// (sorted by wire name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `supervisor.addProcessGroup`.
    AddProcessGroup,
    /// `supervisor.clearAllProcessLogs`.
    ClearAllProcessLogs,
    /// `supervisor.clearLog`.
    ClearLog,
    /// `supervisor.clearProcessLog`.
    ClearProcessLog,
    /// `supervisor.clearProcessLogs`.
    ClearProcessLogs,
    /// `supervisor.getAPIVersion`.
    GetApiVersion,
    /// `supervisor.getAllConfigInfo`.
    GetAllConfigInfo,
    /// `supervisor.getAllProcessInfo`.
    GetAllProcessInfo,
    /// `supervisor.getIdentification`.
    GetIdentification,
    /// `supervisor.getPID`.
    GetPid,
    /// `supervisor.getPoolCounters`.
    GetPoolCounters,
    /// `supervisor.getProcessInfo`.
    GetProcessInfo,
    /// `supervisor.getState`.
    GetState,
    /// `supervisor.getSupervisorVersion`.
    GetSupervisorVersion,
    /// `supervisor.getVersion`.
    GetVersion,
    /// `supervisor.readLog`.
    ReadLog,
    /// `supervisor.readMainLog`.
    ReadMainLog,
    /// `supervisor.readProcessLog`.
    ReadProcessLog,
    /// `supervisor.readProcessStderrLog`.
    ReadProcessStderrLog,
    /// `supervisor.readProcessStdoutLog`.
    ReadProcessStdoutLog,
    /// `supervisor.reloadConfig`.
    ReloadConfig,
    /// `supervisor.removeProcessGroup`.
    RemoveProcessGroup,
    /// `supervisor.restart`.
    Restart,
    /// `supervisor.sendProcessStdin`.
    SendProcessStdin,
    /// `supervisor.sendRemoteCommEvent`.
    SendRemoteCommEvent,
    /// `supervisor.shutdown`.
    Shutdown,
    /// `supervisor.signalAllProcesses`.
    SignalAllProcesses,
    /// `supervisor.signalProcess`.
    SignalProcess,
    /// `supervisor.signalProcessGroup`.
    SignalProcessGroup,
    /// `supervisor.startAllProcesses`.
    StartAllProcesses,
    /// `supervisor.startProcess`.
    StartProcess,
    /// `supervisor.startProcessGroup`.
    StartProcessGroup,
    /// `supervisor.stopAllProcesses`.
    StopAllProcesses,
    /// `supervisor.stopProcess`.
    StopProcess,
    /// `supervisor.stopProcessGroup`.
    StopProcessGroup,
    /// `supervisor.tailProcessLog`.
    TailProcessLog,
    /// `supervisor.tailProcessStderrLog`.
    TailProcessStderrLog,
    /// `supervisor.tailProcessStdoutLog`.
    TailProcessStdoutLog,
    /// `system.listMethods`.
    ListMethods,
    /// `system.methodHelp`.
    MethodHelp,
    /// `system.methodSignature`.
    MethodSignature,
    /// `system.multicall`.
    Multicall,
}

impl Method {
    /// Every method, sorted by wire name.
    pub const ALL: &'static [Method] = &[
        Method::AddProcessGroup,
        Method::ClearAllProcessLogs,
        Method::ClearLog,
        Method::ClearProcessLog,
        Method::ClearProcessLogs,
        Method::GetApiVersion,
        Method::GetAllConfigInfo,
        Method::GetAllProcessInfo,
        Method::GetIdentification,
        Method::GetPid,
        Method::GetPoolCounters,
        Method::GetProcessInfo,
        Method::GetState,
        Method::GetSupervisorVersion,
        Method::GetVersion,
        Method::ReadLog,
        Method::ReadMainLog,
        Method::ReadProcessLog,
        Method::ReadProcessStderrLog,
        Method::ReadProcessStdoutLog,
        Method::ReloadConfig,
        Method::RemoveProcessGroup,
        Method::Restart,
        Method::SendProcessStdin,
        Method::SendRemoteCommEvent,
        Method::Shutdown,
        Method::SignalAllProcesses,
        Method::SignalProcess,
        Method::SignalProcessGroup,
        Method::StartAllProcesses,
        Method::StartProcess,
        Method::StartProcessGroup,
        Method::StopAllProcesses,
        Method::StopProcess,
        Method::StopProcessGroup,
        Method::TailProcessLog,
        Method::TailProcessStderrLog,
        Method::TailProcessStdoutLog,
        Method::ListMethods,
        Method::MethodHelp,
        Method::MethodSignature,
        Method::Multicall,
    ];

    /// The method a wire name (`namespace.name`) names, if it is published.
    pub fn parse(wire: &str) -> Option<Method> {
        Method::ALL.iter().copied().find(|m| m.wire() == wire)
    }

    /// The wire name, `namespace.name`.
    pub const fn wire(self) -> &'static str {
        self.doc().0
    }

    /// The return type, then the parameter types, as XML-RPC type names.
    pub const fn signature(self) -> &'static [&'static str] {
        self.doc().1
    }

    /// What it does, with its parameters, as `system.methodHelp` reports it.
    pub const fn help(self) -> &'static str {
        self.doc().2
    }

    /// Whether a call can wait for processes to reach a state before it is answered
    /// (the start and stop calls with `wait` true).
    pub const fn waits(self) -> bool {
        matches!(
            self,
            Method::StartAllProcesses
                | Method::StartProcess
                | Method::StartProcessGroup
                | Method::StopAllProcesses
                | Method::StopProcess
                | Method::StopProcessGroup
        )
    }

    /// Wire name, signature and help.
    #[rustfmt::skip]
    const fn doc(self) -> (&'static str, &'static [&'static str], &'static str) {
        match self {
            Method::AddProcessGroup => ("supervisor.addProcessGroup", &["boolean", "string"], "Create a process group from the configuration as last read and start its autostart processes.\n\n@param string name  the group\n@return boolean result  always true unless an error is raised"),
            Method::ClearAllProcessLogs => ("supervisor.clearAllProcessLogs", &["array"], "Delete and reopen the stdout and stderr logs of every process.\n\n@return array result  one status struct per process"),
            Method::ClearLog => ("supervisor.clearLog", &["boolean"], "Delete the main log file and start a new one.\n\n@return boolean result  always true unless an error is raised"),
            Method::ClearProcessLog => ("supervisor.clearProcessLog", &["boolean", "string"], "Alias of clearProcessLogs (deprecated).\n\n@param string name  the process\n@return boolean result  always true unless an error is raised"),
            Method::ClearProcessLogs => ("supervisor.clearProcessLogs", &["boolean", "string"], "Delete and reopen the stdout and stderr logs of one process.\n\n@param string name  the process\n@return boolean result  always true unless an error is raised"),
            Method::GetApiVersion => ("supervisor.getAPIVersion", &["string"], "The version of the RPC API.\n\n@return string version  the API version"),
            Method::GetAllConfigInfo => ("supervisor.getAllConfigInfo", &["array"], "The configuration of every process, whether its group is in use or not.\n\n@return array result  one struct per process"),
            Method::GetAllProcessInfo => ("supervisor.getAllProcessInfo", &["array"], "The state of every process.\n\n@return array result  one process info struct per process"),
            Method::GetIdentification => ("supervisor.getIdentification", &["string"], "The identifier of this supervisord.\n\n@return string identifier  the identifying string"),
            Method::GetPid => ("supervisor.getPID", &["int"], "The process id of supervisord.\n\n@return int PID"),
            Method::GetPoolCounters => ("supervisor.getPoolCounters", &["array"], "Beyond supervisor 4.3: what each event-listener pool did with its events.\n\n@return array result  one struct per pool: name, accepted, sent, delivered, rejected, rebuffered, dropped, queued"),
            Method::GetProcessInfo => ("supervisor.getProcessInfo", &["struct", "string"], "The state of one process.\n\n@param string name  the process\n@return struct result  the process info"),
            Method::GetState => ("supervisor.getState", &["struct"], "The state of supervisord itself.\n\n@return struct result  statecode and statename"),
            Method::GetSupervisorVersion => ("supervisor.getSupervisorVersion", &["string"], "The supervisor version this daemon implements.\n\n@return string version  the version"),
            Method::GetVersion => ("supervisor.getVersion", &["string"], "Alias of getAPIVersion (deprecated).\n\n@return string version  the API version"),
            Method::ReadLog => ("supervisor.readLog", &["string", "int", "int"], "Read length bytes of the main log from offset.\n\n@param int offset  where to start; negative counts from the end\n@param int length  how many bytes; 0 means to the end\n@return string result  the bytes read"),
            Method::ReadMainLog => ("supervisor.readMainLog", &["string", "int", "int"], "Alias of readLog (deprecated).\n\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
            Method::ReadProcessLog => ("supervisor.readProcessLog", &["string", "string", "int", "int"], "Alias of readProcessStdoutLog (deprecated).\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
            Method::ReadProcessStderrLog => ("supervisor.readProcessStderrLog", &["string", "string", "int", "int"], "Read length bytes of a process's stderr log from offset.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
            Method::ReadProcessStdoutLog => ("supervisor.readProcessStdoutLog", &["string", "string", "int", "int"], "Read length bytes of a process's stdout log from offset.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
            Method::ReloadConfig => ("supervisor.reloadConfig", &["array"], "Read the configuration files again and report which groups were added, changed or removed; nothing is started or stopped.\n\n@return array result  [[added, changed, removed]]"),
            Method::RemoveProcessGroup => ("supervisor.removeProcessGroup", &["boolean", "string"], "Remove a group whose processes are all stopped.\n\n@param string name  the group\n@return boolean result  always true unless an error is raised"),
            Method::Restart => ("supervisor.restart", &["boolean"], "Restart supervisord: stop everything, read the configuration again and start.\n\n@return boolean result  always true unless an error is raised"),
            Method::SendProcessStdin => ("supervisor.sendProcessStdin", &["boolean", "string", "string"], "Write characters to a process's stdin.\n\n@param string name  the process\n@param string chars  what to write\n@return boolean result  always true unless an error is raised"),
            Method::SendRemoteCommEvent => ("supervisor.sendRemoteCommEvent", &["boolean", "string", "string"], "Emit a REMOTE_COMMUNICATION event to subscribed listeners.\n\n@param string type  the type: header field\n@param string data  the event body\n@return boolean result  always true unless an error is raised"),
            Method::Shutdown => ("supervisor.shutdown", &["boolean"], "Stop every process, then supervisord.\n\n@return boolean result  always true unless an error is raised"),
            Method::SignalAllProcesses => ("supervisor.signalAllProcesses", &["array", "string"], "Send a signal to every process.\n\n@param string signal  a name (HUP) or number\n@return array result  one status struct per process"),
            Method::SignalProcess => ("supervisor.signalProcess", &["boolean", "string", "string"], "Send a signal to one process.\n\n@param string name  the process\n@param string signal  a name (HUP) or number\n@return boolean result  always true unless an error is raised"),
            Method::SignalProcessGroup => ("supervisor.signalProcessGroup", &["array", "string", "string"], "Send a signal to every process of a group.\n\n@param string name  the group\n@param string signal  a name (HUP) or number\n@return array result  one status struct per process"),
            Method::StartAllProcesses => ("supervisor.startAllProcesses", &["array", "boolean"], "Start every process that is not running, in priority order.\n\n@param boolean wait  answer only once they are running\n@return array result  one status struct per process"),
            Method::StartProcess => ("supervisor.startProcess", &["boolean", "string", "boolean"], "Start one process (or a group with group:*).\n\n@param string name  the process\n@param boolean wait  answer only once it is running\n@return boolean result  always true unless an error is raised"),
            Method::StartProcessGroup => ("supervisor.startProcessGroup", &["array", "string", "boolean"], "Start every process of a group.\n\n@param string name  the group\n@param boolean wait  answer only once they are running\n@return array result  one status struct per process"),
            Method::StopAllProcesses => ("supervisor.stopAllProcesses", &["array", "boolean"], "Stop every running process, in reverse priority order.\n\n@param boolean wait  answer only once they are stopped\n@return array result  one status struct per process"),
            Method::StopProcess => ("supervisor.stopProcess", &["boolean", "string", "boolean"], "Stop one process (or a group with group:*).\n\n@param string name  the process\n@param boolean wait  answer only once it is stopped\n@return boolean result  always true unless an error is raised"),
            Method::StopProcessGroup => ("supervisor.stopProcessGroup", &["array", "string", "boolean"], "Stop every process of a group.\n\n@param string name  the group\n@param boolean wait  answer only once they are stopped\n@return array result  one status struct per process"),
            Method::TailProcessLog => ("supervisor.tailProcessLog", &["array", "string", "int", "int"], "Alias of tailProcessStdoutLog (deprecated).\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes at most\n@return array result  [bytes, offset, overflow]"),
            Method::TailProcessStderrLog => ("supervisor.tailProcessStderrLog", &["array", "string", "int", "int"], "The tail of a process's stderr log, for following it.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes at most\n@return array result  [bytes, offset, overflow]"),
            Method::TailProcessStdoutLog => ("supervisor.tailProcessStdoutLog", &["array", "string", "int", "int"], "The tail of a process's stdout log, for following it.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes at most\n@return array result  [bytes, offset, overflow]"),
            Method::ListMethods => ("system.listMethods", &["array"], "The names of every published method.\n\n@return array result  the names"),
            Method::MethodHelp => ("system.methodHelp", &["string", "string"], "The help text of a method.\n\n@param string name  the method\n@return string result  the help"),
            Method::MethodSignature => ("system.methodSignature", &["array", "string"], "The signature of a method: return type, then parameter types.\n\n@param string name  the method\n@return array result  the types"),
            Method::Multicall => ("system.multicall", &["array", "array"], "Run several calls in one request.\n\n@param array calls  structs with methodName and params\n@return array result  one value or fault struct per call"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_complete_and_round_tripping() {
        let names: Vec<&str> = Method::ALL.iter().map(|m| m.wire()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        // 4.3's 37 supervisor.* and 4 system.* methods, plus getPoolCounters.
        assert_eq!(names.len(), 42);
        for m in Method::ALL {
            assert_eq!(Method::parse(m.wire()), Some(*m));
        }
        assert_eq!(Method::GetPid.signature(), &["int"][..]);
        assert!(!Method::GetProcessInfo.waits());
    }
}
