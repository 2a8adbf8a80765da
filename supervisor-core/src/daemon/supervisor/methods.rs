//! The published methods with their signatures and help texts: what `system.listMethods`,
//! `system.methodSignature` and `system.methodHelp` report ([RPC-system.listMethods],
//! [RPC-system.methodSignature], [RPC-system.methodHelp]).

/// One published method.
pub(super) struct MethodDoc {
    /// `namespace.name`.
    pub name: &'static str,
    /// Return type, then parameter types, as XML-RPC type names.
    pub signature: &'static [&'static str],
    /// What it does.
    pub help: &'static str,
}

const fn m(
    name: &'static str,
    signature: &'static [&'static str],
    help: &'static str,
) -> MethodDoc {
    MethodDoc {
        name,
        signature,
        help,
    }
}

/// Every method, sorted by name (the order `system.listMethods` returns).
pub(super) const METHODS: &[MethodDoc] = &[
    m("supervisor.addProcessGroup", &["boolean", "string"], "Create a process group from the configuration as last read and start its autostart processes.\n\n@param string name  the group\n@return boolean result  always true unless an error is raised"),
    m("supervisor.clearAllProcessLogs", &["array"], "Delete and reopen the stdout and stderr logs of every process.\n\n@return array result  one status struct per process"),
    m("supervisor.clearLog", &["boolean"], "Delete the main log file and start a new one.\n\n@return boolean result  always true unless an error is raised"),
    m("supervisor.clearProcessLog", &["boolean", "string"], "Alias of clearProcessLogs (deprecated).\n\n@param string name  the process\n@return boolean result  always true unless an error is raised"),
    m("supervisor.clearProcessLogs", &["boolean", "string"], "Delete and reopen the stdout and stderr logs of one process.\n\n@param string name  the process\n@return boolean result  always true unless an error is raised"),
    m("supervisor.getAPIVersion", &["string"], "The version of the RPC API.\n\n@return string version  the API version"),
    m("supervisor.getAllConfigInfo", &["array"], "The configuration of every process, whether its group is in use or not.\n\n@return array result  one struct per process"),
    m("supervisor.getAllProcessInfo", &["array"], "The state of every process.\n\n@return array result  one process info struct per process"),
    m("supervisor.getIdentification", &["string"], "The identifier of this supervisord.\n\n@return string identifier  the identifying string"),
    m("supervisor.getPID", &["int"], "The process id of supervisord.\n\n@return int PID"),
    m("supervisor.getPoolCounters", &["array"], "Beyond supervisor 4.3: what each event-listener pool did with its events.\n\n@return array result  one struct per pool: name, accepted, sent, delivered, rejected, rebuffered, dropped, queued"),
    m("supervisor.getProcessInfo", &["struct", "string"], "The state of one process.\n\n@param string name  the process\n@return struct result  the process info"),
    m("supervisor.getState", &["struct"], "The state of supervisord itself.\n\n@return struct result  statecode and statename"),
    m("supervisor.getSupervisorVersion", &["string"], "The supervisor version this daemon implements.\n\n@return string version  the version"),
    m("supervisor.getVersion", &["string"], "Alias of getAPIVersion (deprecated).\n\n@return string version  the API version"),
    m("supervisor.readLog", &["string", "int", "int"], "Read length bytes of the main log from offset.\n\n@param int offset  where to start; negative counts from the end\n@param int length  how many bytes; 0 means to the end\n@return string result  the bytes read"),
    m("supervisor.readMainLog", &["string", "int", "int"], "Alias of readLog (deprecated).\n\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
    m("supervisor.readProcessLog", &["string", "string", "int", "int"], "Alias of readProcessStdoutLog (deprecated).\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
    m("supervisor.readProcessStderrLog", &["string", "string", "int", "int"], "Read length bytes of a process's stderr log from offset.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
    m("supervisor.readProcessStdoutLog", &["string", "string", "int", "int"], "Read length bytes of a process's stdout log from offset.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes\n@return string result  the bytes read"),
    m("supervisor.reloadConfig", &["array"], "Read the configuration files again and report which groups were added, changed or removed; nothing is started or stopped.\n\n@return array result  [[added, changed, removed]]"),
    m("supervisor.removeProcessGroup", &["boolean", "string"], "Remove a group whose processes are all stopped.\n\n@param string name  the group\n@return boolean result  always true unless an error is raised"),
    m("supervisor.restart", &["boolean"], "Restart supervisord: stop everything, read the configuration again and start.\n\n@return boolean result  always true unless an error is raised"),
    m("supervisor.sendProcessStdin", &["boolean", "string", "string"], "Write characters to a process's stdin.\n\n@param string name  the process\n@param string chars  what to write\n@return boolean result  always true unless an error is raised"),
    m("supervisor.sendRemoteCommEvent", &["boolean", "string", "string"], "Emit a REMOTE_COMMUNICATION event to subscribed listeners.\n\n@param string type  the type: header field\n@param string data  the event body\n@return boolean result  always true unless an error is raised"),
    m("supervisor.shutdown", &["boolean"], "Stop every process, then supervisord.\n\n@return boolean result  always true unless an error is raised"),
    m("supervisor.signalAllProcesses", &["array", "string"], "Send a signal to every process.\n\n@param string signal  a name (HUP) or number\n@return array result  one status struct per process"),
    m("supervisor.signalProcess", &["boolean", "string", "string"], "Send a signal to one process.\n\n@param string name  the process\n@param string signal  a name (HUP) or number\n@return boolean result  always true unless an error is raised"),
    m("supervisor.signalProcessGroup", &["array", "string", "string"], "Send a signal to every process of a group.\n\n@param string name  the group\n@param string signal  a name (HUP) or number\n@return array result  one status struct per process"),
    m("supervisor.startAllProcesses", &["array", "boolean"], "Start every process that is not running, in priority order.\n\n@param boolean wait  answer only once they are running\n@return array result  one status struct per process"),
    m("supervisor.startProcess", &["boolean", "string", "boolean"], "Start one process (or a group with group:*).\n\n@param string name  the process\n@param boolean wait  answer only once it is running\n@return boolean result  always true unless an error is raised"),
    m("supervisor.startProcessGroup", &["array", "string", "boolean"], "Start every process of a group.\n\n@param string name  the group\n@param boolean wait  answer only once they are running\n@return array result  one status struct per process"),
    m("supervisor.stopAllProcesses", &["array", "boolean"], "Stop every running process, in reverse priority order.\n\n@param boolean wait  answer only once they are stopped\n@return array result  one status struct per process"),
    m("supervisor.stopProcess", &["boolean", "string", "boolean"], "Stop one process (or a group with group:*).\n\n@param string name  the process\n@param boolean wait  answer only once it is stopped\n@return boolean result  always true unless an error is raised"),
    m("supervisor.stopProcessGroup", &["array", "string", "boolean"], "Stop every process of a group.\n\n@param string name  the group\n@param boolean wait  answer only once they are stopped\n@return array result  one status struct per process"),
    m("supervisor.tailProcessLog", &["array", "string", "int", "int"], "Alias of tailProcessStdoutLog (deprecated).\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes at most\n@return array result  [bytes, offset, overflow]"),
    m("supervisor.tailProcessStderrLog", &["array", "string", "int", "int"], "The tail of a process's stderr log, for following it.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes at most\n@return array result  [bytes, offset, overflow]"),
    m("supervisor.tailProcessStdoutLog", &["array", "string", "int", "int"], "The tail of a process's stdout log, for following it.\n\n@param string name  the process\n@param int offset  where to start\n@param int length  how many bytes at most\n@return array result  [bytes, offset, overflow]"),
    m("system.listMethods", &["array"], "The names of every published method.\n\n@return array result  the names"),
    m("system.methodHelp", &["string", "string"], "The help text of a method.\n\n@param string name  the method\n@return string result  the help"),
    m("system.methodSignature", &["array", "string"], "The signature of a method: return type, then parameter types.\n\n@param string name  the method\n@return array result  the types"),
    m("system.multicall", &["array", "array"], "Run several calls in one request.\n\n@param array calls  structs with methodName and params\n@return array result  one value or fault struct per call"),
];

/// The method called `name`, if published.
pub(super) fn find(name: &str) -> Option<&'static MethodDoc> {
    METHODS.iter().find(|m| m.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_complete() {
        let names: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        // [RPC-system.listMethods]: 37 supervisor.* + 4 system.*, plus getPoolCounters.
        assert_eq!(names.len(), 42);
        assert_eq!(
            find("supervisor.getPID").map(|m| m.signature),
            Some(&["int"][..])
        );
    }
}
